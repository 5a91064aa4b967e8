// The PyTorch writers, one per mechanism of the core's JSON contract (docs/api.md): each writes the
// mechanism as the book would in torch, one named line per step, with the core's step names, so a
// learner can read the two side by side. Inputs and weights are the ones the core used (the
// response's `weights`); a dropout mask is the one the core drew or was given.
import { pyNumber } from './program.js';

/** @typedef {import('./program.js').Writer} Writer */
/** @typedef {Record<string, any>} Json */

// A request's values reach the program only as numbers or as our own words: the core accepted the
// request, but the program must not depend on that for what it writes into Python source.
/** A whole number of the request. @param {unknown} x */
const int = (x) => String(Math.trunc(Number(x)) || 0);
/** The activation's name. @param {unknown} a */
const activationOf = (a) => (a === 'relu' ? 'relu' : 'gelu');

/** Matrices are in the math orientation: queries = inputs @ W_query (an nn.Linear's weight is the transpose). */
const ORIENTATION = 'd_in × d_out, as the core takes it: X @ W (an nn.Linear holds W.T)';

/** The projections of one head or of all heads: queries, keys, values. @param {Writer} w @param {Json} W */
function projections(w, W) {
  w.tensor('W_query', W.W_query, ORIENTATION);
  w.tensor('W_key', W.W_key);
  w.tensor('W_value', W.W_value);
  const bias = !!W.b_query;
  if (bias) {
    w.tensor('b_query', W.b_query, 'qkv_bias');
    w.tensor('b_key', W.b_key);
    w.tensor('b_value', W.b_value);
  }
  w.blank();
  w.line(`queries = inputs @ W_query${bias ? ' + b_query' : ''}  # (T, d_out)`, ['queries']);
  w.line(`keys = inputs @ W_key${bias ? ' + b_key' : ''}  # (T, d_out)`, ['keys']);
  w.line(`values = inputs @ W_value${bias ? ' + b_value' : ''}  # (T, d_out)`, ['values']);
}

/** The dropout the core applied: its keep mask (drawn by the core, or given) and the 1/(1 − p) scaling. @param {Writer} w @param {Json} req @param {Json} res */
function dropout(w, req, res) {
  if (!res.dropout_mask) return false;
  w.blank();
  w.comment('Dropout in training mode: nn.Dropout would draw its own mask; this is the one the page used (1 = kept).');
  w.line(`p = ${pyNumber(Number(req.dropout))}`);
  w.tensor('dropout_mask', res.dropout_mask, 'the keep mask', { steps: ['dropout_mask'] });
  w.line('attn_weights_dropped = attn_weights * dropout_mask / (1 - p)  # kept weights scaled by 1/(1 − p)', ['attn_weights_dropped']);
  return true;
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function simplified(w, req, res) {
  w.tensor('inputs', req.inputs, '(T, d_in): one embedding a row', { steps: ['inputs'] });
  w.blank();
  w.line('attn_scores = inputs @ inputs.T  # (T, T)  ω = X Xᵀ', ['attn_scores']);
  w.line('attn_weights_sum_normalized = attn_scores / attn_scores.sum(dim=-1, keepdim=True)  # ω / Σω', ['attn_weights_sum_normalized']);
  w.line('attn_weights_softmax_naive = torch.exp(attn_scores) / torch.exp(attn_scores).sum(dim=-1, keepdim=True)', ['attn_weights_softmax_naive']);
  w.line('attn_weights = torch.softmax(attn_scores, dim=-1)  # (T, T)  each row sums to 1', ['attn_weights']);
  w.line('context_vecs = attn_weights @ inputs  # (T, d_in)  Z = A X', ['context_vecs']);
  w.blank();
  ['attn_scores', 'attn_weights', 'context_vecs'].forEach((n) => w.show(n));
  void res;
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function selfAttention(w, req, res) {
  w.tensor('inputs', req.inputs, '(T, d_in)', { steps: ['inputs'] });
  projections(w, res.weights);
  w.line('attn_scores = queries @ keys.T  # (T, T)  ω = Q Kᵀ', ['attn_scores']);
  if (req.scale === false) w.line('attn_scores_scaled = attn_scores  # scaling switched off', ['attn_scores_scaled']);
  else w.line('attn_scores_scaled = attn_scores / keys.shape[-1] ** 0.5  # ω / √d_k', ['attn_scores_scaled']);
  w.line('attn_weights = torch.softmax(attn_scores_scaled, dim=-1)  # (T, T)', ['attn_weights']);
  w.line('context_vecs = attn_weights @ values  # (T, d_out)  Z = A V', ['context_vecs']);
  w.blank();
  ['queries', 'keys', 'values', 'attn_weights', 'context_vecs'].forEach((n) => w.show(n));
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function causal(w, req, res) {
  w.tensor('inputs', req.inputs, '(T, d_in)', { steps: ['inputs'] });
  projections(w, res.weights);
  w.line('attn_scores = queries @ keys.T  # (T, T)', ['attn_scores']);
  if (req.scale === false) w.line('attn_scores_scaled = attn_scores  # scaling switched off', ['attn_scores_scaled']);
  else w.line('attn_scores_scaled = attn_scores / keys.shape[-1] ** 0.5  # ω / √d_k', ['attn_scores_scaled']);
  w.line('T = inputs.shape[0]');
  w.line('mask = torch.tril(torch.ones(T, T))  # (T, T)  1 where key j ≤ query i', ['mask']);
  w.blank();
  w.comment('Route (a): softmax over every key, zero the future, renormalise each row.');
  w.line('attn_weights_unmasked = torch.softmax(attn_scores_scaled, dim=-1)', ['attn_weights_unmasked']);
  w.line('attn_weights_masked_zero = attn_weights_unmasked * mask', ['attn_weights_masked_zero']);
  w.line('attn_weights_renormalized = attn_weights_masked_zero / attn_weights_masked_zero.sum(dim=-1, keepdim=True)', ['attn_weights_renormalized']);
  w.comment('Route (b), the one used: −∞ above the diagonal, then softmax.');
  w.line('attn_scores_masked = attn_scores_scaled.masked_fill(mask == 0, float("-inf"))', ['attn_scores_masked']);
  w.line('attn_weights = torch.softmax(attn_scores_masked, dim=-1)  # (T, T)', ['attn_weights']);
  const dropped = dropout(w, req, res);
  w.line(`context_vecs = ${dropped ? 'attn_weights_dropped' : 'attn_weights'} @ values  # (T, d_out)`, ['context_vecs']);
  w.blank();
  ['attn_weights_renormalized', 'attn_weights', ...(dropped ? ['attn_weights_dropped'] : []), 'context_vecs'].forEach((n) => w.show(n));
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function multihead(w, req, res) {
  const W = res.weights, causalMask = req.causal !== false;
  w.tensor('inputs', req.inputs, '(T, d_in)', { steps: ['inputs'] });
  w.line(`num_heads = ${int(req.num_heads || 1)}`);
  projections(w, W);
  w.tensor('W_out', W.W_out, '(d_out, d_out): the output projection');
  w.tensor('b_out', W.b_out);
  w.line('T, d_out = queries.shape');
  w.line('head_dim = d_out // num_heads');
  w.blank();
  w.comment('Split the columns into heads: (T, d_out) -> (num_heads, T, head_dim).');
  w.line('queries_split = queries.view(T, num_heads, head_dim).transpose(0, 1)', ['queries_split']);
  w.line('keys_split = keys.view(T, num_heads, head_dim).transpose(0, 1)', ['keys_split']);
  w.line('values_split = values.view(T, num_heads, head_dim).transpose(0, 1)', ['values_split']);
  w.line('attn_scores = queries_split @ keys_split.transpose(1, 2)  # (num_heads, T, T)', ['attn_scores']);
  w.line('attn_scores_scaled = attn_scores / head_dim ** 0.5', ['attn_scores_scaled']);
  if (causalMask) {
    w.line('mask = torch.tril(torch.ones(T, T))  # 1 where key j ≤ query i', ['mask']);
    w.line('attn_scores_masked = attn_scores_scaled.masked_fill(mask == 0, float("-inf"))', ['attn_scores_masked']);
  }
  w.line(`attn_weights = torch.softmax(${causalMask ? 'attn_scores_masked' : 'attn_scores_scaled'}, dim=-1)  # (num_heads, T, T)`, ['attn_weights']);
  const dropped = dropout(w, req, res);
  w.line(`context_heads = ${dropped ? 'attn_weights_dropped' : 'attn_weights'} @ values_split  # (num_heads, T, head_dim)`, ['context_heads']);
  w.line('context_concat = context_heads.transpose(0, 1).reshape(T, d_out)  # heads side by side', ['context_concat']);
  w.line('context_vecs = context_concat @ W_out + b_out  # (T, d_out)', ['context_vecs']);
  w.blank();
  ['attn_weights', 'context_concat', 'context_vecs'].forEach((n) => w.show(n));
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function multiheadWrapper(w, req, res) {
  w.tensor('inputs', req.inputs, '(T, d_in)', { steps: ['inputs'] });
  w.line('T = inputs.shape[0]');
  w.line('mask = torch.tril(torch.ones(T, T))');
  w.line('heads = []');
  /** @type {Json[]} */ (res.weights.heads).forEach((W, h) => {
    w.blank();
    w.comment(`head ${h}: a causal head of its own (the book's MultiHeadAttentionWrapper)`);
    projections(w, W);
    w.line('attn_scores = (queries @ keys.T) / keys.shape[-1] ** 0.5', [`head_${h}.attn_scores_scaled`]);
    if (req.causal !== false) w.line('attn_scores = attn_scores.masked_fill(mask == 0, float("-inf"))', [`head_${h}.attn_scores_masked`]);
    w.line('attn_weights = torch.softmax(attn_scores, dim=-1)', [`head_${h}.attn_weights`]);
    if (res.dropout_mask) {
      w.tensor('dropout_mask', res.dropout_mask[h], 'this head\'s keep mask', { steps: [`head_${h}.dropout_mask`] });
      w.line(`attn_weights = attn_weights * dropout_mask / (1 - ${pyNumber(Number(req.dropout))})`, [`head_${h}.attn_weights_dropped`]);
    }
    w.line('heads.append(attn_weights @ values)', [`head_${h}.context_vecs`]);
  });
  w.line('context_vecs = torch.cat(heads, dim=-1)  # (T, num_heads · d_out)', ['context_vecs']);
  w.blank();
  w.show('context_vecs');
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function additive(w, req, res) {
  const W = res.weights;
  w.tensor('inputs', req.inputs, '(T, d_enc): the encoder states h_j', { steps: ['inputs'] });
  w.tensor('decoder_state', Array.isArray(req.decoder_state[0]) ? req.decoder_state : [req.decoder_state], '(S, d_dec): the decoder states s', { steps: ['decoder_state'] });
  w.tensor('W_decoder', W.W_decoder, '(d_dec, d_attn)');
  w.tensor('W_encoder', W.W_encoder, '(d_enc, d_attn)');
  w.tensor('b_attn', W.b_attn);
  w.tensor('v', W.v);
  w.blank();
  w.line('decoder_projection = decoder_state @ W_decoder  # (S, d_attn)', ['decoder_projection']);
  w.line('encoder_projection = inputs @ W_encoder + b_attn  # (T, d_attn)', ['encoder_projection']);
  w.comment('Bahdanau: e_sj = v · tanh(s_s W_dec + h_j W_enc + b), every decoder state against every encoder state.');
  w.line('attn_scores = torch.tanh(decoder_projection[:, None, :] + encoder_projection[None, :, :]) @ v  # (S, T)', ['attn_scores']);
  w.line('attn_weights = torch.softmax(attn_scores, dim=-1)  # (S, T)', ['attn_weights']);
  w.line('context_vecs = attn_weights @ inputs  # (S, d_enc)  c_s = Σ_j α_sj h_j', ['context_vecs']);
  w.blank();
  ['attn_scores', 'attn_weights', 'context_vecs'].forEach((n) => w.show(n));
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function rnnEncoder(w, req, res) {
  const W = res.weights;
  w.tensor('inputs', req.inputs, '(T, d_in)');
  w.tensor('W_xh', W.W_xh, '(d_in, d_hidden)');
  w.tensor('W_hh', W.W_hh, '(d_hidden, d_hidden)');
  w.tensor('b_h', W.b_h);
  w.blank();
  w.line('h = torch.zeros(b_h.shape[0])  # h_0 = 0');
  w.line('hidden = []');
  w.line('for x_t in inputs:');
  w.line('    h = torch.tanh(x_t @ W_xh + h @ W_hh + b_h)  # h_t = tanh(x_t W_xh + h_{t−1} W_hh + b_h)', ['hidden_states']);
  w.line('    hidden.append(h)');
  w.line('hidden_states = torch.stack(hidden)  # (T, d_hidden)', ['hidden_states']);
  w.line('final_state = hidden_states[-1]  # all a decoder without attention gets', ['final_state']);
  w.blank();
  w.show('hidden_states');
  w.show('final_state');
  w.known.set(JSON.stringify(res.hidden_states), 'hidden_states');
}

// ---- chapter 4: the pieces of a transformer block, as functions --------------------------------

/** @param {Writer} w */
function defineLayerNorm(w) {
  w.define('layer_norm', [
    { text: 'def layer_norm(x, w, eps=1e-5):' },
    { text: '    mean = x.mean(dim=-1, keepdim=True)  # (T, 1)', steps: ['mean'] },
    { text: '    var = x.var(dim=-1, keepdim=True, unbiased=False)  # biased, as nn.LayerNorm', steps: ['var'] },
    { text: '    norm_x = (x - mean) / torch.sqrt(var + eps)  # each row: mean 0, variance 1', steps: ['norm_x'] },
    { text: '    return w["scale"] * norm_x + w["shift"]', steps: ['outputs'] },
  ]);
}

/** @param {Writer} w */
function defineActivations(w) {
  w.define('gelu', [
    { text: 'def gelu(x):' },
    { text: '    """GELU in the tanh approximation (GPT-2, the book)."""' },
    { text: '    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))', steps: ['activated'] },
  ]);
}

/** @param {Writer} w */
function defineFeedForward(w) {
  defineActivations(w);
  w.define('feed_forward', [
    { text: 'def feed_forward(x, w, activation):' },
    { text: '    hidden = x @ w["W1"] + w["b1"]  # (T, d_ff)', steps: ['hidden'] },
    { text: '    activated = gelu(hidden) if activation == "gelu" else torch.relu(hidden)', steps: ['activated'] },
    { text: '    return activated @ w["W2"] + w["b2"]  # (T, emb_dim)', steps: ['outputs'] },
  ]);
}

/** @param {Writer} w */
function defineSinusoidal(w) {
  w.define('sinusoidal', [
    { text: 'def sinusoidal(T, emb_dim):' },
    { text: '    """PE[pos, 2i] = sin(pos / 10000^(2i/emb_dim)), PE[pos, 2i+1] = cos(…), in double."""' },
    { text: '    pos = torch.arange(T, dtype=torch.float64)[:, None]' },
    { text: '    omega = 10000.0 ** (-2.0 * (torch.arange(emb_dim) // 2) / emb_dim)' },
    { text: '    angle = pos * omega', steps: ['pos_encoding'] },
    { text: '    even = torch.arange(emb_dim) % 2 == 0' },
    { text: '    return torch.where(even, torch.sin(angle), torch.cos(angle)).float()', steps: ['pos_encoding'] },
  ]);
}

/** @param {Writer} w */
function defineMultihead(w) {
  w.define('multihead', [
    { text: 'def multihead(x, w, num_heads, causal):' },
    { text: '    """Multi-head attention with one Q, K, V projection split into heads (the book\'s MultiHeadAttention)."""' },
    { text: '    T, d_out = x.shape[0], w["W_query"].shape[1]' },
    { text: '    head_dim = d_out // num_heads' },
    { text: '    def split(m):  # (T, d_out) -> (num_heads, T, head_dim)' },
    { text: '        return m.view(T, num_heads, head_dim).transpose(0, 1)' },
    { text: '    queries = split(x @ w["W_query"] + w.get("b_query", 0))', steps: ['queries', 'queries_split'] },
    { text: '    keys = split(x @ w["W_key"] + w.get("b_key", 0))', steps: ['keys', 'keys_split'] },
    { text: '    values = split(x @ w["W_value"] + w.get("b_value", 0))', steps: ['values', 'values_split'] },
    { text: '    attn_scores = queries @ keys.transpose(1, 2) / head_dim ** 0.5  # (num_heads, T, T)', steps: ['attn_scores', 'attn_scores_scaled'] },
    { text: '    if causal:', steps: ['mask'] },
    { text: '        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)', steps: ['mask'] },
    { text: '        attn_scores = attn_scores.masked_fill(future, float("-inf"))', steps: ['attn_scores_masked'] },
    { text: '    attn_weights = torch.softmax(attn_scores, dim=-1)', steps: ['attn_weights'] },
    { text: '    context = (attn_weights @ values).transpose(0, 1).reshape(T, d_out)  # heads side by side', steps: ['context_heads', 'context_concat'] },
    { text: '    return context @ w["W_out"] + w["b_out"], attn_weights', steps: ['context_vecs'] },
  ]);
}

/** @param {Writer} w */
function defineBlock(w) {
  defineLayerNorm(w);
  defineMultihead(w);
  defineFeedForward(w);
  w.define('transformer_block', [
    { text: 'def transformer_block(x, w, n_heads, causal=True, norm_first=True, residual=True, activation="gelu"):' },
    { text: '    def add(skipped, sub_layer):  # the shortcut, when it is on' },
    { text: '        return skipped + sub_layer if residual else sub_layer', steps: ['residual1', 'residual2'] },
    { text: '    if norm_first:  # pre-norm, GPT-2 and the book' },
    { text: '        att, attn_weights = multihead(layer_norm(x, w["norm1"]), w["att"], n_heads, causal)', steps: ['norm1', 'att'] },
    { text: '        h = add(x, att)  # h = x + att(norm1(x))', steps: ['residual1'] },
    { text: '        y = add(h, feed_forward(layer_norm(h, w["norm2"]), w["ff"], activation))  # y = h + ff(norm2(h))', steps: ['norm2', 'ff', 'residual2'] },
    { text: '    else:  # post-norm, the 2017 paper' },
    { text: '        att, attn_weights = multihead(x, w["att"], n_heads, causal)', steps: ['att'] },
    { text: '        h = layer_norm(add(x, att), w["norm1"])  # h = norm1(x + att(x))', steps: ['residual1', 'norm1'] },
    { text: '        y = layer_norm(add(h, feed_forward(h, w["ff"], activation)), w["norm2"])  # y = norm2(h + ff(h))', steps: ['ff', 'residual2', 'norm2'] },
    { text: '    return y, attn_weights', steps: ['outputs'] },
  ]);
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function layerNorm(w, req, res) {
  defineLayerNorm(w);
  w.tensor('inputs', req.inputs, '(T, emb_dim)', { steps: ['inputs'] });
  w.weights('weights', res.weights, 'scale (γ) and shift (β)');
  w.line(`outputs = layer_norm(inputs, weights${req.eps !== undefined ? `, eps=${pyNumber(Number(req.eps))}` : ''})`, ['outputs']);
  w.line('mean = inputs.mean(dim=-1)', ['mean']);
  w.line('var = inputs.var(dim=-1, unbiased=False)', ['var']);
  w.blank();
  ['mean', 'var', 'outputs'].forEach((n) => w.show(n));
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function positionalEncoding(w, req, res) {
  const T = int(req.inputs ? req.inputs.length : req.T);
  const emb_dim = int(req.inputs ? req.inputs[0].length : req.emb_dim);
  if (req.kind === 'learned') {
    w.tensor('pos_emb', res.weights.pos_emb, '(context_length, emb_dim): the learned table, drawn standard normal as nn.Embedding');
    w.line(`pos_encoding = pos_emb[:${T}]  # rows 0 … T−1`, ['pos_encoding']);
  } else {
    defineSinusoidal(w);
    w.line(`pos_encoding = sinusoidal(${T}, ${emb_dim})  # (T, emb_dim)`, ['pos_encoding']);
  }
  if (req.inputs) {
    w.tensor('inputs', req.inputs, '(T, emb_dim)', { steps: ['inputs'] });
    w.line('outputs = inputs + pos_encoding', ['outputs']);
  }
  w.blank();
  w.show('pos_encoding');
  if (req.inputs) w.show('outputs');
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function feedForward(w, req, res) {
  defineFeedForward(w);
  w.tensor('inputs', req.inputs, '(T, emb_dim)', { steps: ['inputs'] });
  w.weights('weights', res.weights, 'W1 (emb_dim, d_ff), b1, W2 (d_ff, emb_dim), b2');
  const act = activationOf(req.activation);
  w.line('hidden = inputs @ weights["W1"] + weights["b1"]  # (T, d_ff)', ['hidden']);
  w.line(act === 'gelu' ? 'activated = gelu(hidden)' : 'activated = torch.relu(hidden)', ['activated']);
  w.line(`outputs = feed_forward(inputs, weights, "${act}")  # (T, emb_dim)`, ['outputs']);
  w.blank();
  ['hidden', 'activated', 'outputs'].forEach((n) => w.show(n));
}

/** The block's keyword arguments as the request set them. @param {Json} req */
function blockArgs(req) {
  return [`n_heads=${int(req.n_heads || 1)}`, `causal=${req.causal === false ? 'False' : 'True'}`,
    `norm_first=${req.norm_first === false ? 'False' : 'True'}`, `residual=${req.residual === false ? 'False' : 'True'}`,
    `activation="${activationOf(req.activation)}"`].join(', ');
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function transformerBlock(w, req, res) {
  defineBlock(w);
  w.tensor('inputs', req.inputs, '(T, emb_dim)', { steps: ['inputs'] });
  w.weights('weights', res.weights, 'att, ff, norm1, norm2 as the core used them');
  w.line('x = inputs');
  if (req.positional === 'sinusoidal') {
    defineSinusoidal(w);
    w.line('x = inputs + sinusoidal(*inputs.shape)  # positions added first', ['pos_encoding', 'inputs_with_pos']);
  }
  w.line(`outputs, attn_weights = transformer_block(x, weights, ${blockArgs(req)})`, ['outputs']);
  w.blank();
  ['attn_weights', 'outputs'].forEach((n) => w.show(n));
}

/** @param {Writer} w @param {Json} req @param {Json} res */
function gpt(w, req, res) {
  defineBlock(w);
  const positional = req.positional || 'learned';
  w.tensor('token_ids', req.token_ids, '(T): the input', { int: true, steps: ['token_ids'] });
  w.weights('weights', res.weights, 'tok_emb, pos_emb, trf_blocks, final_norm, out_head as the core used them');
  w.line('T = token_ids.shape[0]');
  w.line('tok_embeds = weights["tok_emb"][token_ids]  # (T, emb_dim)', ['tok_embeds']);
  if (positional === 'learned') w.line('x = tok_embeds + weights["pos_emb"][:T]  # learned positions', ['pos_embeds', 'embeddings']);
  else if (positional === 'sinusoidal') {
    defineSinusoidal(w);
    w.line('x = tok_embeds + sinusoidal(T, tok_embeds.shape[1])', ['pos_embeds', 'embeddings']);
  } else w.line('x = tok_embeds  # no positions', ['embeddings']);
  w.line('for block in weights["trf_blocks"]:');
  w.line(`    x, _ = transformer_block(x, block, ${blockArgs({ ...req, causal: true, residual: req.residual })})`, ['trf_blocks']);
  w.line('final_norm = layer_norm(x, weights["final_norm"])', ['final_norm']);
  w.line(req.weight_tying ? 'logits = final_norm @ weights["tok_emb"].T  # out_head tied to tok_emb' : 'logits = final_norm @ weights["out_head"]  # (T, vocab_size)', ['logits']);
  w.line(`probas = torch.softmax(logits.double() / ${pyTemperature(req.temperature)}, dim=-1).float()  # the last row: the next token`, ['probas']);
  w.blank();
  ['logits', 'probas'].forEach((n) => w.show(n));
  if (req.targets) {
    w.tensor('targets', req.targets, '−1: not scored', { int: true });
    w.line('loss = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-1)', ['loss']);
    w.show('loss');
  }
  w.line('print("next token id:", int(logits[-1].argmax()))');
}

/** @param {unknown} t */
const pyTemperature = (t) => (typeof t === 'number' ? pyNumber(t) : '1.0');

/** @type {Record<string, (w: Writer, req: Json, res: Json) => void>} */
export const MECHANISMS = {
  simplified,
  self_attention: selfAttention,
  causal,
  multihead,
  multihead_wrapper: multiheadWrapper,
  additive,
  rnn_encoder: rnnEncoder,
  layer_norm: layerNorm,
  positional_encoding: positionalEncoding,
  feed_forward: feedForward,
  transformer_block: transformerBlock,
  gpt,
};
