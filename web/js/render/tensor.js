// A batch of matrices printed the way PyTorch prints a tensor, so a reader can hold the page
// beside the book: 4 decimals, numbers right-aligned to one width, rows aligned under the first.

/**
 * @param {number[][][]} batch  (B, T, d): the core's answers, one per batch element
 * @param {string} [name]       adds a line "name.shape: torch.Size([B, T, d])"
 * @returns {string}
 */
export function tensorText(batch, name) {
  const cells = batch.map((m) => m.map((row) => row.map((x) => {
    const s = x.toFixed(4);
    return /^-0\.0+$/.test(s) ? s.slice(1) : s;
  })));
  const width = Math.max(...cells.flat(2).map((s) => s.length));
  const pad = (/** @type {string} */ s) => ' '.repeat(width - s.length) + s;
  const blocks = cells.map((m, b) => m.map((row, i) => {
    const open = i === 0 ? (b === 0 ? 'tensor([[[' : '        [[') : '         [';
    const close = i === m.length - 1 ? (b === cells.length - 1 ? ']]])' : ']],\n') : '],';
    return open + row.map(pad).join(', ') + close;
  }).join('\n'));
  const text = blocks.join('\n');
  if (!name) return text;
  const shape = [batch.length, batch[0].length, batch[0][0].length];
  return `${text}\n${name}.shape: torch.Size([${shape.join(', ')}])`;
}
