// One LSTM unit at one time step, read out of a trace computed by cells.js.
//
// The JavaScript twin of lstm_edu.diagrams.CellStep.from_trace (the step explorer's numbers)
// and of format_value (three significant digits, as Python's "{:.3g}" writes them), so the
// diagram, its text alternative and the Python side print the same strings.

import { matrix, runSequence, LSTM_FLAGS } from "./cells.js";

// The widget's `weights` trait ({W_x, W_h, b?, p_i?, p_f?, p_o?} as nested lists) -> cells.js params.
export function lstmParams(weights) {
  const params = { W_x: matrix(weights.W_x), W_h: matrix(weights.W_h) };
  for (const name of ["b", "p_i", "p_f", "p_o"]) {
    if (weights[name]) params[name] = Float64Array.from(weights[name]);
  }
  return params;
}

// Every step of the LSTM over `inputs` (T rows of D numbers) from zero state.
export function lstmTrace(params, flags, inputs) {
  return runSequence("lstm", params, inputs, { flags: { ...LSTM_FLAGS, ...flags } });
}

// The numbers of one unit at step index t (0-based; step t + 1 of the equations).
export function cellStep(steps, inputs, t, unit) {
  const now = steps[t];
  const before = t > 0 ? steps[t - 1] : null;
  const cPrev = before ? before.c[unit] : 0;
  const f = now.f[unit], i = now.i[unit], g = now.g[unit];
  return {
    x: Array.from(inputs[t]),
    h_prev: before ? before.h[unit] : 0,
    c_prev: cPrev,
    forget: f, input: i, candidate: g, output: now.o[unit],
    kept: f * cPrev, written: i * g,
    c: now.c[unit], tanh_c: Math.tanh(now.c[unit]), h: now.h[unit],
  };
}

// inputs with x[t][feature] replaced by value (a new array of new rows; inputs is unchanged)
export function withInput(inputs, t, feature, value) {
  return inputs.map((row, s) => (s === t ? row.map((v, d) => (d === feature ? value : v)) : Array.from(row)));
}

// Python's "{:.3g}" (and lstm_edu.diagrams.format_value: "-0" reads "0").
export function format3g(value) {
  if (!Number.isFinite(value)) return String(value);
  const [mantissa, exponentText] = value.toExponential(2).split("e");
  const exponent = Number(exponentText);
  let text;
  if (exponent < -4 || exponent >= 3) {
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    text = `${stripZeros(mantissa)}e${exponent < 0 ? "-" : "+"}${digits}`;
  } else {
    text = stripZeros(value.toFixed(2 - exponent));
  }
  return text === "-0" ? "0" : text;
}

function stripZeros(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}
