// Trained models shipped in a widget trait, and what the application explorers compute with them.
//
// The weights arrive as lstm_edu.apps.browser_models packs them: {name: {shape, dtype, data}},
// data = base64 of int8 (matrices, with a scale per row), float32 or float64, read here into
// Float64Array; the forward pass runs in float64 with cells.js. lstm_edu.apps.browser_models.run_packed and
// lstm_edu.apps.browser_sampling are the Python twins of every function below.

import { LSTM_FLAGS, addProduct, lstmStep } from "./cells.js";

// {shape, dtype, data: base64[, scale]} -> {shape, values: Float64Array}
// dtype "int8": a matrix with 8 bits a weight, row r read as q * scale[r] (browser_models.decode_int8)
export function decodeArray(packed) {
  const bytes = Uint8Array.from(atob(packed.data), (ch) => ch.charCodeAt(0));
  const width = { float64: 8, float32: 4, int8: 1 }[packed.dtype];
  if (!width) throw new Error(`packed array: unknown dtype ${packed.dtype}`);
  const view = new DataView(bytes.buffer);
  const values = new Float64Array(bytes.length / width);
  const rowLength = packed.shape.length > 1 ? packed.shape[1] : values.length;
  for (let k = 0; k < values.length; k++) {
    if (width === 1) values[k] = view.getInt8(k) * packed.scale[Math.floor(k / rowLength)];
    else values[k] = width === 8 ? view.getFloat64(8 * k, true) : view.getFloat32(4 * k, true);
  }
  const expected = packed.shape.reduce((a, b) => a * b, 1);
  if (expected !== values.length) throw new Error(`packed array: shape ${packed.shape} but ${values.length} values`);
  return { shape: packed.shape, values };
}

function asMatrix({ shape, values }) {
  return { rows: shape[0], cols: shape[1], data: values };
}

// embedding (V, E), W_x (E, 4H), W_h (H, 4H), b = b_ih + b_hh (float64 sum), head_W (H, K), head_b (K,)
export function loadModel(weights) {
  const get = (name) => decodeArray(weights[name]);
  const bIh = get("b_ih").values, bHh = get("b_hh").values;
  const b = bIh.map((value, k) => value + bHh[k]);
  const embedding = asMatrix(get("embedding"));
  return {
    embedding,
    params: { W_x: asMatrix(get("W_x")), W_h: asMatrix(get("W_h")), b },
    head: { W: asMatrix(get("head_W")), b: get("head_b").values },
    hidden: get("W_h").shape[0],
    vocabulary: embedding.rows,
  };
}

// logits = h head_W + head_b
export function readout(model, h) {
  return addProduct(h, model.head.W, Float64Array.from(model.head.b));
}

// One step of the model on index `id` from state {h, c}: the LSTM step's record plus logits.
export function step(model, id, state) {
  const E = model.embedding.cols;
  const x = model.embedding.data.subarray(id * E, (id + 1) * E);
  const record = lstmStep(model.params, LSTM_FLAGS, x, state.h, state.c);
  record.logits = readout(model, record.h);
  return record;
}

export function zeroState(model) {
  return { h: new Float64Array(model.hidden), c: new Float64Array(model.hidden) };
}

// Every step over ids, from a zero state (or `state`).
export function run(model, ids, state = zeroState(model)) {
  const steps = [];
  let current = state;
  for (const id of ids) {
    const record = step(model, id, current);
    steps.push(record);
    current = { h: record.h, c: record.c };
  }
  return steps;
}

// softmax(logits / temperature), as lstm_edu.apps.text_generation.apply_temperature
export function applyTemperature(logits, temperature) {
  const scaled = Float64Array.from(logits, (value) => value / temperature);
  let top = -Infinity;
  for (const value of scaled) top = Math.max(top, value);
  let total = 0;
  for (let k = 0; k < scaled.length; k++) {
    scaled[k] = Math.exp(scaled[k] - top);
    total += scaled[k];
  }
  for (let k = 0; k < scaled.length; k++) scaled[k] /= total;
  return scaled;
}

// mulberry32 (Tommy Ettinger): one 32-bit state word; uniform floats in [0, 1).
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// First index whose cumulative probability exceeds u; if rounding falls short, the last positive one.
export function drawIndex(probabilities, u) {
  let total = 0, last = 0;
  for (let k = 0; k < probabilities.length; k++) {
    if (probabilities[k] > 0) last = k;
    total += probabilities[k];
    if (u < total) return k;
  }
  return last;
}
