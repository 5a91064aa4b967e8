// A trained model's weights, from the Trainer's flat list to the `gpt` request's nested object
// (docs/api.md: "train" and "gpt"), so that the core's gpt mechanism, and the PyTorch program written
// from its request, run the model the lesson trained. The flat list is PyTorch's
// parameters_to_vector(model.parameters()) of the book's GPTModel, in the order of model.layout: a
// Linear weight is (d_out, d_in) as nn.Linear stores it, while the gpt request takes every matrix as
// (d_in, d_out) (x @ W): those are transposed; embeddings keep their rows, biases and norms are vectors.

/** @typedef {{ name: string, offset: number, rows: number, cols: number }} Part */

/** The (rows, cols) matrix at `part` of `flat`. @param {Float32Array | number[]} flat @param {Part} part @returns {number[][]} */
function matrixAt(flat, part) {
  /** @type {number[][]} */
  const m = [];
  for (let r = 0; r < part.rows; r++) m.push(Array.from(flat.slice(part.offset + r * part.cols, part.offset + (r + 1) * part.cols)));
  return m;
}

/** @param {number[][]} m @returns {number[][]} */
const transpose = (m) => (m.length ? m[0].map((_, j) => m.map((row) => row[j])) : []);

// Where each Linear's and each norm's parameters go in a transformer block of the gpt request.
const LINEAR = { 'att.W_query': ['att', 'W_query', 'b_query'], 'att.W_key': ['att', 'W_key', 'b_key'], 'att.W_value': ['att', 'W_value', 'b_value'],
  'att.out_proj': ['att', 'W_out', 'b_out'], 'ff.layers.0': ['ff', 'W1', 'b1'], 'ff.layers.2': ['ff', 'W2', 'b2'] };

/**
 * The gpt request's `weights` for the flat list `flat` laid out as `layout` (the model's).
 * Throws on a part it does not know (a layout this file was not written for).
 * @param {Float32Array | number[]} flat @param {Part[]} layout
 * @returns {{ tok_emb: number[][], pos_emb?: number[][], trf_blocks: Record<string, Record<string, any>>[], final_norm: Record<string, number[]>, out_head: number[][] }}
 */
export function gptWeights(flat, layout) {
  /** @type {any} */
  const out = { trf_blocks: [], final_norm: {} };
  layout.forEach((part) => {
    const m = matrixAt(flat, part);
    const name = part.name;
    if (name === 'tok_emb.weight') { out.tok_emb = m; return; }            // (V, C): a row per token, as the request's
    if (name === 'pos_emb.weight') { out.pos_emb = m; return; }            // (T, C)
    if (name === 'out_head.weight') { out.out_head = transpose(m); return; } // (V, C) -> (C, V)
    const norm = name.match(/^final_norm\.(scale|shift)$/);
    if (norm) { out.final_norm[norm[1]] = m[0]; return; }
    const block = name.match(/^trf_blocks\.(\d+)\.(.+)\.(weight|bias|scale|shift)$/);
    if (!block) throw new Error(`gptWeights: unknown part ${name}`);
    const l = Number(block[1]), inner = block[2], kind = block[3];
    const b = out.trf_blocks[l] = out.trf_blocks[l] || {};
    if (kind === 'scale' || kind === 'shift') { (b[inner] = b[inner] || {})[kind] = m[0]; return; }  // norm1, norm2: (1, C)
    const where = LINEAR[/** @type {keyof typeof LINEAR} */ (inner)];
    if (!where) throw new Error(`gptWeights: unknown part ${name}`);
    const group = b[where[0]] = b[where[0]] || {};
    if (kind === 'weight') group[where[1]] = transpose(m);  // (d_out, d_in) -> (d_in, d_out)
    else group[where[2]] = m[0];                            // (1, d_out)
  });
  return out;
}
