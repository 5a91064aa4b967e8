// The TensorFlow.js training peer of the benchmark, written by us: the GPT our core trains
// (core/src/train_model.cpp), the same step (forward, backward, global-norm clip, AdamW with our
// betas, eps and weight decay, loss read back), so that tools/bench compares like with like.
// Two differences the wasm backend forces, neither changing the result: the token embedding is a
// one-hot product (the backend has no kernel for the gradient of gather), and the cross-entropy
// takes its targets as a one-hot matrix (rows of zeros where a target is −1, not scored).
//
// Parameters start from our flat buffer, in parameter_layout's order (PyTorch's: tok_emb,
// pos_emb, per block W_query, W_key, W_value, out_proj, ff.layers.0, ff.layers.2, norm1, norm2;
// final_norm, out_head), so both peers start from the same weights and their losses can be
// compared step by step. Linear weights are kept as tf.layers.dense keeps its kernel, (d_in,
// d_out), so that the forward's products take no transpose: the wasm backend's BatchMatMul with
// a transposed operand runs about 20 times slower than without (9 ms against 0.4 ms for
// (512, 32)·(32, 128), measured). The backward comes in two forms: `gradients: 'autograd'`, the
// model as a TensorFlow.js user writes it (autograd's own gradients of matMul: transposed
// products, the slow path, as the peer measured it), and `gradients: 'explicit'` (the
// default), each product's gradients by an explicit transpose and a plain product: a stronger peer.

/**
 * @param {typeof import('@tensorflow/tfjs-core')} tf
 * @param {{vocab:number, T:number, emb_dim:number, n_heads:number, n_layers:number, batch:number}} config
 * @param {Float32Array} flat  our initial parameters
 * @param {{lr:number, warmup:number, clip:number, beta1:number, beta2:number, eps:number, weight_decay:number}} optimizer
 * @param {{gradients?: 'explicit' | 'autograd'}} [options]
 */
export function createTfjsGpt(tf, config, flat, optimizer, { gradients = 'explicit' } = {}) {
  const { vocab: V, T, emb_dim: C, n_heads: H, n_layers: L, batch: B } = config;
  const hd = C / H, F = 4 * C, N = B * T;
  let offset = 0;
  /** The next view of the flat buffer, as a trainable variable of `shape`. */
  const take = (...shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const v = tf.variable(tf.tensor(flat.subarray(offset, offset + size), shape));
    offset += size;
    return v;
  };
  /** The next (d_out, d_in) view, kept transposed: (d_in, d_out). */
  const takeLinear = (d_out, d_in) => {
    const v = tf.tidy(() => tf.variable(tf.transpose(tf.tensor(flat.subarray(offset, offset + d_out * d_in), [d_out, d_in]))));
    offset += d_out * d_in;
    return v;
  };
  const tok_emb = take(V, C), pos_emb = take(T, C);
  const blocks = [];
  for (let l = 0; l < L; l++) {
    blocks.push({
      W_query: takeLinear(C, C), W_key: takeLinear(C, C), W_value: takeLinear(C, C), W_out: takeLinear(C, C), b_out: take(C),
      W_ff1: takeLinear(F, C), b_ff1: take(F), W_ff2: takeLinear(C, F), b_ff2: take(C),
      norm1_scale: take(C), norm1_shift: take(C), norm2_scale: take(C), norm2_shift: take(C),
    });
  }
  const final_scale = take(C), final_shift = take(C), out_head = takeLinear(V, C);
  if (offset !== flat.length) throw new Error(`tfjs peer: ${offset} parameters read of ${flat.length}`);
  const variables = [tok_emb, pos_emb, ...blocks.flatMap((b) => Object.values(b)), final_scale, final_shift, out_head];
  const exp_avg = variables.map((v) => tf.variable(tf.zerosLike(v), false));
  const exp_avg_sq = variables.map((v) => tf.variable(tf.zerosLike(v), false));

  // (T, T): −1e9 right of the diagonal, added to the scaled scores (e^(−1e9) is exactly 0)
  const maskValues = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskValues[i * T + j] = -1e9;
  const mask = tf.tensor(maskValues, [T, T]);
  const scale = 1 / Math.sqrt(hd);

  /** Chapter 4's layer norm: biased variance, eps 1e-5. */
  const layerNorm = (x, scaleParam, shift) => {
    const mean = tf.mean(x, -1, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), -1, true);
    return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-5))), scaleParam), shift);
  };
  /** GPT-2's tanh GELU. */
  const gelu = (x) => tf.mul(tf.mul(x, 0.5),
    tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI)))));
  /** (N, C) → (B, H, T, hd) */
  const splitHeads = (t) => tf.transpose(tf.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]);
  /**
   * x·Wᵀ with Wᵀ (d_in, d_out) stored, its gradients by explicit transposes and plain products:
   * autograd's own (dy·W_tᵀ and xᵀ·dy as transposed products) is what the backend runs slowly.
   */
  const product = gradients === 'autograd' ? (x, W_t) => tf.matMul(x, W_t) : tf.customGrad((x, W_t, save) => {
    save([x, W_t]);
    return {
      value: tf.matMul(x, W_t),
      gradFunc: (dy, [x_saved, W_saved]) => [tf.matMul(dy, tf.transpose(W_saved)), tf.matMul(tf.transpose(x_saved), dy)],
    };
  });
  /** y = x·Wᵀ (+ b) */
  const linear = (x, W_t, b) => (b ? tf.add(product(x, W_t), b) : product(x, W_t));

  /** The mean cross-entropy of a batch: tokens (N) int32, target one-hot (N, V), scored rows. */
  const loss = (tokens, targetOneHot, scored) => () => {
    // (N, C)  x = tok_emb[token] + pos_emb[t]: the lookup as a one-hot product. (The wasm
    // backend's OneHot writes int32 whatever the dtype asked: a float32 one-hot from it holds
    // 1.4e-45 for 1. So int32, then cast.)
    const one_hot = tf.cast(tf.oneHot(tokens, V), 'float32');  // (N, V)
    let x = tf.add(product(one_hot, tok_emb), tf.tile(pos_emb, [B, 1]));
    for (const b of blocks) {
      const ln1 = layerNorm(x, b.norm1_scale, b.norm1_shift);
      const queries = splitHeads(linear(ln1, b.W_query)), keys = splitHeads(linear(ln1, b.W_key));
      const values = splitHeads(linear(ln1, b.W_value));
      const attn_scores = tf.add(tf.mul(tf.matMul(queries, keys, false, true), scale), mask);  // (B, H, T, T)
      const attn_weights = tf.softmax(attn_scores);
      const context_vecs = tf.reshape(tf.transpose(tf.matMul(attn_weights, values), [0, 2, 1, 3]), [N, C]);
      const h = tf.add(x, linear(context_vecs, b.W_out, b.b_out));
      const ln2 = layerNorm(h, b.norm2_scale, b.norm2_shift);
      x = tf.add(h, linear(gelu(linear(ln2, b.W_ff1, b.b_ff1)), b.W_ff2, b.b_ff2));
    }
    const logits = linear(layerNorm(x, final_scale, final_shift), out_head);  // (N, V)
    return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), targetOneHot))), Math.max(scored, 1));
  };

  let steps = 0;
  const { beta1, beta2, eps, weight_decay, clip } = optimizer;
  /**
   * One training step on a batch: tokens and targets (B·T) Int32Array, −1 = not scored.
   * Returns the loss, read back.
   * @param {{tokens: Int32Array, targets: Int32Array}} batch
   */
  function step({ tokens, targets }) {
    const oneHot = new Float32Array(N * V);
    let scored = 0;
    for (let i = 0; i < N; i++) if (targets[i] >= 0) { oneHot[i * V + targets[i]] = 1; scored++; }
    const tokenTensor = tf.tensor1d(tokens, 'int32'), targetTensor = tf.tensor2d(oneHot, [N, V]);
    const { value, grads } = tf.variableGrads(loss(tokenTensor, targetTensor, scored), variables);
    steps++;
    const lr = optimizer.warmup > 0 && steps < optimizer.warmup ? optimizer.lr * steps / optimizer.warmup : optimizer.lr;
    const bias_correction1 = 1 - beta1 ** steps, bias_correction2 = 1 - beta2 ** steps;
    const step_size = lr / bias_correction1, bias_correction2_sqrt = Math.sqrt(bias_correction2);
    tf.tidy(() => {
      const g = variables.map((v) => grads[v.name]);
      // torch.nn.utils.clip_grad_norm_: multiplied by min(1, clip / (norm + 1e-6))
      const norm = tf.sqrt(tf.addN(g.map((gi) => tf.sum(tf.square(gi)))));
      const coef = clip > 0 ? tf.minimum(1, tf.div(clip, tf.add(norm, 1e-6))) : tf.scalar(1);
      variables.forEach((v, i) => {
        const gi = tf.mul(g[i], coef);
        const m = tf.add(tf.mul(exp_avg[i], beta1), tf.mul(gi, 1 - beta1));
        const s = tf.add(tf.mul(exp_avg_sq[i], beta2), tf.mul(tf.mul(gi, gi), 1 - beta2));
        exp_avg[i].assign(m);
        exp_avg_sq[i].assign(s);
        const denom = tf.add(tf.div(tf.sqrt(s), bias_correction2_sqrt), eps);
        // θ ← θ·(1 − lr·wd) − lr/(1 − β1ᵗ) · m / denom
        v.assign(tf.sub(tf.mul(v, 1 - lr * weight_decay), tf.mul(tf.div(m, denom), step_size)));
      });
    });
    tf.dispose([tokenTensor, targetTensor, ...Object.values(grads)]);
    const out = value.dataSync()[0];
    value.dispose();
    return out;
  }

  function dispose() {
    tf.dispose([...variables, ...exp_avg, ...exp_avg_sq, mask]);
  }
  return { step, dispose };
}
