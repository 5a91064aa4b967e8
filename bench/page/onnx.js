// Builds the two ONNX graphs of causal multi-head attention by writing the protobuf by hand
// (onnx.proto3: ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto), so the benchmark
// needs no converter and no network.

class Writer {
  constructor() { this.bytes = []; }
  varint(n) {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n;
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v) byte |= 0x80;
      this.bytes.push(byte);
    } while (v);
    return this;
  }
  key(field, wire) { return this.varint((field << 3) | wire); }
  int(field, n) { return this.key(field, 0).varint(n); }
  float(field, x) {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    this.key(field, 5).bytes.push(...b);
    return this;
  }
  bytesField(field, data) {
    this.key(field, 2).varint(data.length);
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
    return this;
  }
  string(field, s) { return this.bytesField(field, new TextEncoder().encode(s)); }
  message(field, build) { const w = new Writer(); build(w); return this.bytesField(field, w.bytes); }
  finish() { return Uint8Array.from(this.bytes); }
}

const FLOAT = 1, INT64 = 7;

function tensor(w, name, dims, values, type = FLOAT) {
  const raw = type === FLOAT ? new Uint8Array(Float32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
  for (const d of dims) w.int(1, d);
  w.int(2, type).string(8, name).bytesField(9, raw);
}

function valueInfo(w, name, dims) {
  w.string(1, name).message(2, (t) => t.message(1, (tt) => tt.int(1, FLOAT).message(2, (s) => {
    for (const d of dims) s.message(1, (dim) => dim.int(1, d));
  })));
}

/** nodes: [op, inputs, outputs, attributes {name: int | float | int[]}, domain] */
function model({ nodes, initializers, inputs, outputs }) {
  return new Writer()
    .int(1, 8)  // ir_version
    .string(2, 'attention-lab-bench')
    .message(7, (g) => {
      nodes.forEach(([op, ins, outs, attrs = {}, domain = ''], n) => g.message(1, (node) => {
        ins.forEach((x) => node.string(1, x));
        outs.forEach((x) => node.string(2, x));
        node.string(3, `${op}_${n}`).string(4, op);
        for (const [name, value] of Object.entries(attrs)) node.message(5, (a) => {
          a.string(1, name);
          if (Array.isArray(value)) { value.forEach((v) => a.int(8, v)); a.int(20, 7); }
          else if (Number.isInteger(value)) a.int(3, value).int(20, 2);
          else a.float(2, value).int(20, 1);
        });
        if (domain) node.string(7, domain);
      }));
      g.string(2, 'causal_multihead_attention');
      initializers.forEach(([name, dims, values, type]) => g.message(5, (t) => tensor(t, name, dims, values, type)));
      inputs.forEach(([name, dims]) => g.message(11, (v) => valueInfo(v, name, dims)));
      outputs.forEach(([name, dims]) => g.message(12, (v) => valueInfo(v, name, dims)));
    })
    .message(8, (o) => o.string(1, '').int(2, 17))
    .message(8, (o) => o.string(1, 'com.microsoft').int(2, 1))
    .finish();
}

/** W_qkv (d, 3d): W_query | W_key | W_value side by side, as the Attention operator takes them. */
function concatColumns(d, ...mats) {
  const out = new Float32Array(d * d * mats.length);
  for (let i = 0; i < d; i++) mats.forEach((m, k) => out.set(m.subarray(i * d, (i + 1) * d), i * d * mats.length + k * d));
  return out;
}

/** The contrib operator com.microsoft.Attention (unidirectional = causal), then W_out, b_out. */
export function fusedAttentionModel(T, d, heads, w) {
  return model({
    inputs: [['X', [1, T, d]]],
    outputs: [['Y', [1, T, d]]],
    initializers: [['W_qkv', [d, 3 * d], concatColumns(d, w.W_query, w.W_key, w.W_value)], ['b_qkv', [3 * d], new Float32Array(3 * d)],
      ['W_out', [d, d], w.W_out], ['b_out', [d], w.b_out]],
    nodes: [
      ['Attention', ['X', 'W_qkv', 'b_qkv'], ['Z'], { num_heads: heads, unidirectional: 1 }, 'com.microsoft'],
      ['MatMul', ['Z', 'W_out'], ['ZW']],
      ['Add', ['ZW', 'b_out'], ['Y']],
    ],
  });
}

/** Plain operators: MatMul, Reshape, Transpose, Mul, Add (the causal mask), Softmax. */
export function plainAttentionModel(T, d, heads, w) {
  const hd = d / heads;
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
  return model({
    inputs: [['X', [1, T, d]]],
    outputs: [['Y', [1, T, d]]],
    initializers: [['W_query', [d, d], w.W_query], ['W_key', [d, d], w.W_key], ['W_value', [d, d], w.W_value],
      ['W_out', [d, d], w.W_out], ['b_out', [d], w.b_out], ['heads_shape', [4], [1, T, heads, hd], INT64],
      ['model_shape', [3], [1, T, d], INT64], ['scale', [], [1 / Math.sqrt(hd)]], ['mask', [T, T], mask]],
    nodes: [
      ['MatMul', ['X', 'W_query'], ['Q']], ['MatMul', ['X', 'W_key'], ['K']], ['MatMul', ['X', 'W_value'], ['V']],
      ['Reshape', ['Q', 'heads_shape'], ['Q4']], ['Reshape', ['K', 'heads_shape'], ['K4']], ['Reshape', ['V', 'heads_shape'], ['V4']],
      ['Transpose', ['Q4'], ['Qh'], { perm: [0, 2, 1, 3] }],   // (1, heads, T, head_dim)
      ['Transpose', ['K4'], ['Kt'], { perm: [0, 2, 3, 1] }],   // (1, heads, head_dim, T)
      ['Transpose', ['V4'], ['Vh'], { perm: [0, 2, 1, 3] }],   // (1, heads, T, head_dim)
      ['MatMul', ['Qh', 'Kt'], ['S']],                          // (1, heads, T, T)
      ['Mul', ['S', 'scale'], ['S_scaled']],
      ['Add', ['S_scaled', 'mask'], ['S_masked']],
      ['Softmax', ['S_masked'], ['P'], { axis: -1 }],
      ['MatMul', ['P', 'Vh'], ['Zh']],                          // (1, heads, T, head_dim)
      ['Transpose', ['Zh'], ['Zt'], { perm: [0, 2, 1, 3] }],
      ['Reshape', ['Zt', 'model_shape'], ['Z']],
      ['MatMul', ['Z', 'W_out'], ['ZW']],
      ['Add', ['ZW', 'b_out'], ['Y']],
    ],
  });
}
