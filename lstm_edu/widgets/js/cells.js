// The recurrent cells of lstm_edu in float64 JavaScript, one sequence at a time.
//
// The same equations as lstm_edu.cells (the reference), in the same layout:
//   W_x (D, G*H), W_h (H, G*H), b (G*H,), gate order i, f, g, o (LSTM) or r, z, n (GRU),
// so a widget can ship lstm_edu's weights as they are and compute what lstm_edu computes.
// A matrix is {rows, cols, data: Float64Array} in row-major order (see `matrix`).
// tests/browser/test_js_parity.py holds this file to lstm_edu's numpy within 1e-12.

export function sigmoid(a) {
  return 1 / (1 + Math.exp(-a));
}

// nested arrays (rows of numbers, as JSON carries them) -> {rows, cols, data}
export function matrix(nested) {
  const rows = nested.length;
  const cols = rows ? nested[0].length : 0;
  const data = new Float64Array(rows * cols);
  nested.forEach((row, r) => data.set(row, r * cols));
  return { rows, cols, data };
}

// out[j] += sum_k x[k] * W[k, j]: the row vector x (length W.rows) times W
export function addProduct(x, W, out) {
  for (let k = 0; k < W.rows; k++) {
    const xk = x[k];
    if (xk === 0) continue;
    const offset = k * W.cols;
    for (let j = 0; j < W.cols; j++) out[j] += xk * W.data[offset + j];
  }
  return out;
}

// x W_x + h W_h + b: the pre-activations of every gate, (G*H,)
function preActivations(params, x, hPrev) {
  const pre = params.b ? Float64Array.from(params.b) : new Float64Array(params.W_h.cols);
  addProduct(x, params.W_x, pre);
  addProduct(hPrev, params.W_h, pre);
  return pre;
}

export const LSTM_FLAGS = Object.freeze({
  peepholes: false, forget_gate: true, input_gate: true, output_gate: true,
  output_activation: true, coupled: false,
});

// One LSTM step: the six equations (with the variant flags of lstm_edu.config).
//   f = σ(W_f·[h, x] + b_f)      i = σ(W_i·[h, x] + b_i)      C̃ = tanh(W_C·[h, x] + b_C)
//   C = f ∗ C_prev + i ∗ C̃       o = σ(W_o·[h, x] + b_o)      h = o ∗ tanh(C)
export function lstmStep(params, flags, x, hPrev, cPrev) {
  const H = hPrev.length;
  const pre = preActivations(params, x, hPrev);
  const [i, f, g, o, c, h] = Array.from({ length: 6 }, () => new Float64Array(H));
  for (let u = 0; u < H; u++) {
    let preI = pre[u], preF = pre[H + u];
    if (flags.peepholes) {                      // i and f see C_{t-1}
      preI += params.p_i[u] * cPrev[u];
      preF += params.p_f[u] * cPrev[u];
    }
    f[u] = flags.forget_gate ? sigmoid(preF) : 1;
    i[u] = flags.coupled ? 1 - f[u] : (flags.input_gate ? sigmoid(preI) : 1);
    g[u] = Math.tanh(pre[2 * H + u]);
    c[u] = f[u] * cPrev[u] + i[u] * g[u];
    let preO = pre[3 * H + u];
    if (flags.peepholes) preO += params.p_o[u] * c[u];   // o sees C_t
    o[u] = flags.output_gate ? sigmoid(preO) : 1;
    h[u] = o[u] * (flags.output_activation ? Math.tanh(c[u]) : c[u]);
  }
  return { i, f, g, o, c, h };
}

// One GRU step in torch's formulation:
//   r = σ(x W_r + h W_r' + b_r)   z = σ(x W_z + h W_z' + b_z)
//   n = tanh(x W_n + b_n + r ∗ (h W_n' + b_hn))   h = (1 − z) ∗ n + z ∗ h_prev
export function gruStep(params, x, hPrev) {
  const H = hPrev.length;
  const inputPart = params.b ? Float64Array.from(params.b) : new Float64Array(3 * H);
  addProduct(x, params.W_x, inputPart);
  const hiddenPart = addProduct(hPrev, params.W_h, new Float64Array(3 * H));
  const [r, z, n, h, hn] = Array.from({ length: 5 }, () => new Float64Array(H));
  for (let u = 0; u < H; u++) {
    r[u] = sigmoid(inputPart[u] + hiddenPart[u]);
    z[u] = sigmoid(inputPart[H + u] + hiddenPart[H + u]);
    hn[u] = hiddenPart[2 * H + u] + (params.b_hn ? params.b_hn[u] : 0);
    n[u] = Math.tanh(inputPart[2 * H + u] + r[u] * hn[u]);
    h[u] = n[u] + z[u] * (hPrev[u] - n[u]);
  }
  return { r, z, n, h, hn };   // hn = h_prev W_hn + b_hn, the term r scales (for backward)
}

// One vanilla RNN step: h = tanh(x W_x + h_prev W_h + b) (or relu)
export function rnnStep(params, x, hPrev, nonlinearity = "tanh") {
  const pre = preActivations(params, x, hPrev);
  return { h: pre.map(nonlinearity === "relu" ? (a) => Math.max(a, 0) : Math.tanh) };
}

// Run a step function over xs (T rows of D inputs) from zero state; every step's record.
export function runSequence(kind, params, xs, options = {}) {
  const H = params.W_h.rows;
  let h = options.h0 ? Float64Array.from(options.h0) : new Float64Array(H);
  let c = options.c0 ? Float64Array.from(options.c0) : new Float64Array(H);
  const steps = [];
  for (const x of xs) {
    let step;
    if (kind === "lstm") step = lstmStep(params, options.flags || LSTM_FLAGS, x, h, c);
    else if (kind === "gru") step = gruStep(params, x, h);
    else if (kind === "rnn") step = rnnStep(params, x, h, options.nonlinearity);
    else throw new Error(`runSequence: unknown cell kind ${kind}`);
    h = step.h;
    if (step.c) c = step.c;
    steps.push(step);
  }
  return steps;
}

// The cell-state update with hand-set gates (lstm_edu.cells.gated_memory), one unit:
// c_t = f_t c_{t-1} + i_t g_t, h_t = o_t tanh(c_t) (o_t c_t without the output activation).
export function gatedMemory(forget, input, candidate, output, c0 = 0, outputActivation = true) {
  const T = candidate.length;
  const c = new Float64Array(T), h = new Float64Array(T);
  let cPrev = c0;
  for (let t = 0; t < T; t++) {
    cPrev = forget[t] * cPrev + input[t] * candidate[t];
    c[t] = cPrev;
    h[t] = output[t] * (outputActivation ? Math.tanh(cPrev) : cPrev);
  }
  return { c, h };
}
