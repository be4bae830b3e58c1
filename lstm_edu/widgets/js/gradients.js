// Backpropagation through time in float64 JavaScript, one sequence at a time.
//
// The same backward passes as lstm_edu.bptt (LSTM with every variant flag, GRU, RNN), for
// the forward records of cells.js (`runSequence`; the forward pass is not re-derived here).
// Each pass walks t = T..1 carrying dL/dh (and dL/dC) back, and returns the norm of the
// total gradient at every step, ||dL/dh_t|| (and ||dL/dC_t||), and the norm of the whole
// parameter gradient, which norm clipping compares with its threshold.
// `explorerModel` builds the gradient explorer's models like lstm_edu.gradient_flow.build_model.
// tests/browser/test_js_parity.py holds this file to lstm_edu's numpy within 1e-12.

import { LSTM_FLAGS, matrix, runSequence } from "./cells.js";

function norm(vector) {
  let sum = 0;
  for (let k = 0; k < vector.length; k++) sum += vector[k] * vector[k];
  return Math.sqrt(sum);
}

// dL/d(previous state) through the recurrent weights: out[k] = sum_j dA[j] W_h[k, j]
function throughWeights(dA, W_h, out) {
  for (let k = 0; k < W_h.rows; k++) {
    const offset = k * W_h.cols;
    let sum = 0;
    for (let j = 0; j < W_h.cols; j++) sum += dA[j] * W_h.data[offset + j];
    out[k] += sum;
  }
  return out;
}

// A weight gradient accumulated step by step: grad[k, j] += v[k] * dA[j]
function accumulateOuter(v, dA, grad) {
  const cols = dA.length;
  for (let k = 0; k < v.length; k++) {
    const vk = v[k];
    if (vk === 0) continue;
    const offset = k * cols;
    for (let j = 0; j < cols; j++) grad[offset + j] += vk * dA[j];
  }
}

function accumulate(dA, grad) {
  for (let j = 0; j < dA.length; j++) grad[j] += dA[j];
}

// sqrt of the sum of squares of every gradient array (all parameters together)
function totalNorm(grads) {
  let sum = 0;
  for (const array of Object.values(grads)) for (let k = 0; k < array.length; k++) sum += array[k] * array[k];
  return Math.sqrt(sum);
}

function zeros(length) {
  return new Float64Array(length);
}

function weightGradients(params, extra = {}) {
  const grads = { W_x: zeros(params.W_x.rows * params.W_x.cols), W_h: zeros(params.W_h.rows * params.W_h.cols) };
  if (params.b) grads.b = zeros(params.b.length);
  return Object.assign(grads, extra);
}

function sigmoidSlope(gate) { return gate * (1 - gate); }
function tanhSlope(value) { return 1 - value * value; }

// LSTM backward (lstm_edu.bptt.lstm_backward): steps from runSequence("lstm", ...).
function lstmBackward(params, flags, xs, steps, dhT, c0, h0) {
  const T = steps.length, H = dhT.length;
  const grads = weightGradients(params, flags.peepholes ? { p_i: zeros(H), p_f: zeros(H), p_o: zeros(H) } : {});
  const hNorm = new Float64Array(T), cNorm = new Float64Array(T);
  let dhRec = zeros(H), dcCarry = zeros(H);
  const slopeI = flags.coupled || !flags.input_gate ? () => 0 : sigmoidSlope;
  const slopeF = flags.forget_gate ? sigmoidSlope : () => 0;
  const slopeO = flags.output_gate ? sigmoidSlope : () => 0;
  for (let t = T - 1; t >= 0; t--) {
    const { i, f, g, o, c } = steps[t];
    const cPrev = t > 0 ? steps[t - 1].c : c0;
    const hPrev = t > 0 ? steps[t - 1].h : h0;
    const dh = Float64Array.from(dhRec);                      // total dL/dh_t
    if (t === T - 1) for (let u = 0; u < H; u++) dh[u] += dhT[u];
    const dA = zeros(4 * H), dc = zeros(H), dcPrev = zeros(H);
    for (let u = 0; u < H; u++) {
      const cellOutput = flags.output_activation ? Math.tanh(c[u]) : c[u];
      const K = flags.output_activation ? o[u] * (1 - cellOutput * cellOutput) : o[u];
      const dO = cellOutput * slopeO(o[u]) * dh[u];           // output gate
      dc[u] = dh[u] * K + dcCarry[u];
      if (flags.peepholes) dc[u] += dO * params.p_o[u];       // o saw C_t
      const forgetFactor = flags.coupled ? cPrev[u] - g[u] : cPrev[u];   // CIFG: i = 1 - f
      const dI = g[u] * slopeI(i[u]) * dc[u];
      const dF = forgetFactor * slopeF(f[u]) * dc[u];
      const dG = i[u] * tanhSlope(g[u]) * dc[u];
      dA[u] = dI; dA[H + u] = dF; dA[2 * H + u] = dG; dA[3 * H + u] = dO;
      dcPrev[u] = dc[u] * f[u];
      if (flags.peepholes) {                                  // i, f saw C_{t-1}
        dcPrev[u] += dI * params.p_i[u] + dF * params.p_f[u];
        grads.p_i[u] += dI * cPrev[u];
        grads.p_f[u] += dF * cPrev[u];
        grads.p_o[u] += dO * c[u];
      }
    }
    hNorm[t] = norm(dh);
    cNorm[t] = norm(dc);
    accumulateOuter(xs[t], dA, grads.W_x);
    accumulateOuter(hPrev, dA, grads.W_h);
    if (grads.b) accumulate(dA, grads.b);
    dhRec = throughWeights(dA, params.W_h, zeros(H));
    dcCarry = dcPrev;
  }
  return { hNorm, cNorm, grads };
}

// GRU backward (lstm_edu.bptt.gru_backward): steps from runSequence("gru", ...).
function gruBackward(params, xs, steps, dhT, h0) {
  const T = steps.length, H = dhT.length;
  const grads = weightGradients(params, params.b_hn ? { b_hn: zeros(H) } : {});
  const hNorm = new Float64Array(T);
  let dhRec = zeros(H);
  for (let t = T - 1; t >= 0; t--) {
    const { r, z, n, hn } = steps[t];
    const hPrev = t > 0 ? steps[t - 1].h : h0;
    const dh = Float64Array.from(dhRec);
    if (t === T - 1) for (let u = 0; u < H; u++) dh[u] += dhT[u];
    const recurrent = zeros(3 * H), input = zeros(3 * H), dhPrev = zeros(H);
    for (let u = 0; u < H; u++) {
      const dN = dh[u] * ((1 - z[u]) * (1 - n[u] * n[u]));        // n's pre-activation
      recurrent[u] = dN * (hn[u] * (r[u] * (1 - r[u])));           // r
      recurrent[H + u] = dh[u] * ((hPrev[u] - n[u]) * (z[u] * (1 - z[u])));   // z
      recurrent[2 * H + u] = dN * r[u];                            // hn = h W_hn + b_hn
      input[u] = recurrent[u]; input[H + u] = recurrent[H + u]; input[2 * H + u] = dN;
      dhPrev[u] = dh[u] * z[u];                                    // the direct path
    }
    hNorm[t] = norm(dh);
    accumulateOuter(xs[t], input, grads.W_x);
    accumulateOuter(hPrev, recurrent, grads.W_h);
    if (grads.b) accumulate(input, grads.b);
    if (grads.b_hn) accumulate(recurrent.subarray(2 * H), grads.b_hn);
    dhRec = throughWeights(recurrent, params.W_h, dhPrev);
  }
  return { hNorm, cNorm: null, grads };
}

// RNN backward (lstm_edu.bptt.rnn_backward): steps from runSequence("rnn", ...).
function rnnBackward(params, xs, steps, dhT, h0, nonlinearity) {
  const T = steps.length, H = dhT.length;
  const grads = weightGradients(params);
  const hNorm = new Float64Array(T);
  let dhRec = zeros(H);
  for (let t = T - 1; t >= 0; t--) {
    const { h } = steps[t];
    const hPrev = t > 0 ? steps[t - 1].h : h0;
    const dh = Float64Array.from(dhRec);
    if (t === T - 1) for (let u = 0; u < H; u++) dh[u] += dhT[u];
    const dA = zeros(H);
    for (let u = 0; u < H; u++) {
      const slope = nonlinearity === "relu" ? (h[u] > 0 ? 1 : 0) : 1 - h[u] * h[u];   // relu: pre > 0 iff h > 0
      dA[u] = dh[u] * slope;
    }
    hNorm[t] = norm(dh);
    accumulateOuter(xs[t], dA, grads.W_x);
    accumulateOuter(hPrev, dA, grads.W_h);
    if (grads.b) accumulate(dA, grads.b);
    dhRec = throughWeights(dA, params.W_h, zeros(H));
  }
  return { hNorm, cNorm: null, grads };
}

// Forward (cells.runSequence) then backward for the loss L = dhT . h_T.
//   kind: "lstm" | "gru" | "rnn"; options: {flags (LSTM), nonlinearity (RNN), h0, c0 (LSTM)}
// Returns {steps, hNorm: Float64Array(T), cNorm (LSTM) or null, paramNorm, grads}.
export function backpropagate(kind, params, xs, dhT, options = {}) {
  const H = params.W_h.rows;
  const h0 = options.h0 ? Float64Array.from(options.h0) : zeros(H);
  const c0 = options.c0 ? Float64Array.from(options.c0) : zeros(H);
  const steps = runSequence(kind, params, xs, options);
  let result;
  if (kind === "lstm") result = lstmBackward(params, options.flags || LSTM_FLAGS, xs, steps, dhT, c0, h0);
  else if (kind === "gru") result = gruBackward(params, xs, steps, dhT, h0);
  else if (kind === "rnn") result = rnnBackward(params, xs, steps, dhT, h0, options.nonlinearity || "tanh");
  else throw new Error(`backpropagate: unknown cell kind ${kind}`);
  return { steps, hNorm: result.hNorm, cNorm: result.cNorm, paramNorm: totalNorm(result.grads), grads: result.grads };
}

// The factor norm clipping multiplies every gradient by: min(1, threshold / norm);
// threshold Infinity switches clipping off.
export function clipFactor(paramNorm, threshold) {
  return paramNorm <= threshold ? 1 : threshold / paramNorm;
}

// The explorer's model of one cell (lstm_edu.gradient_flow.build_model) from its weights
// at weight scale 1 and forget bias 0:
//   cell = {kind, flags, forget_block, weights: {W_x, W_h, b, ...} as nested lists}
// W_h becomes weightScale times the orthogonal blocks; forgetBias is added to the bias
// block `forget_block` (the forget gate, or the GRU's update gate; none for the RNN).
export function explorerModel(cell, weightScale, forgetBias) {
  const params = {};
  for (const [name, value] of Object.entries(cell.weights)) {
    params[name] = Array.isArray(value[0]) ? matrix(value) : Float64Array.from(value);
  }
  params.W_h.data = params.W_h.data.map((w) => weightScale * w);
  if (cell.forget_block !== null && cell.forget_block !== undefined && params.b) {
    const H = params.W_h.rows, start = cell.forget_block * H;
    for (let u = start; u < start + H; u++) params.b[u] += forgetBias;
  }
  return { kind: cell.kind, params, options: { flags: cell.flags || LSTM_FLAGS } };
}

// ||dL/dh_t|| (and ||dL/dC_t||) of the explorer's loss L = u . h_T over the first
// `length` inputs, the parameter-gradient norm and the clip factor at `threshold`.
export function explorerCurves(cell, weightScale, forgetBias, inputs, lossDirection, length, threshold = Infinity) {
  const model = explorerModel(cell, weightScale, forgetBias);
  const xs = inputs.slice(0, length).map((row) => Float64Array.from(row));
  const result = backpropagate(model.kind, model.params, xs, Float64Array.from(lossDirection), model.options);
  return { hNorm: result.hNorm, cNorm: result.cNorm, paramNorm: result.paramNorm, clipFactor: clipFactor(result.paramNorm, threshold) };
}
