// The gradient explorer (chapters 4 and 5): a vanilla RNN next to a gated cell, computed live.
//
// Each panel plots ||dL/dh_t|| of the loss L = u . h_T at every step t = 1..T on a log
// axis (gradients.js backpropagates through the cells of cells.js): the RNN's bound
// s^(T-t) dotted, the gradient after norm clipping dashed, ||dL/dC_t|| for the LSTM
// variants. Values below the floor are drawn at it, and a note says so. The numbers,
// the text alternative and the readout are those of lstm_edu.gradient_flow and
// lstm_edu.widgets.gradient_explorer.describe (tests/browser/test_gradient_explorers.py).
// The computed norms are also written to the root's data-gradients attribute (JSON).

import { bindChoice, bindSlider, choice, element, explorerRoot, formatNumber, readout, slider } from "./controls.js";
import { lineChart } from "./chart.js";
import { clipFactor, explorerCurves } from "./gradients.js";

const TOP = 1e15;          // lowest top of the y axis; it rises by whole decades when needed
const CLIP_OFF = 4;        // clip_log10 at the maximum: no clipping

function clippingText(clipLog10) {
  return clipLog10 >= CLIP_OFF ? "no clipping" : `clipping threshold τ = ${formatNumber(10 ** clipLog10)}`;
}

function panelText(label, curves, clipping) {
  let text = `${label}: ||dL/dh_1|| = ${formatNumber(curves.hNorm[0])}`;
  if (curves.cNorm) text += `, ||dL/dC_1|| = ${formatNumber(curves.cNorm[0])}`;
  text += `, parameter-gradient norm ${formatNumber(curves.paramNorm)}`;
  if (!clipping) return `${text}.`;
  return curves.clipFactor < 1 ? `${text}, clipped by the factor ${formatNumber(curves.clipFactor)}.` : `${text}, not clipped.`;
}

// the text alternative: the same words as lstm_edu.widgets.gradient_explorer.describe
export function describe(state, labels, panels) {
  return `Gradient norm ||dL/dh_t|| at every step t = 1..${state.length} of the loss L = u·h_T, `
    + `log scale, for the vanilla RNN (left) and the ${labels[1]} (right); `
    + `recurrent weight scale s = ${formatNumber(state.weightScale)}, forget bias `
    + `b_f = ${formatNumber(state.forgetBias)}, ${clippingText(state.clipLog10)}. `
    + panels.map((curves, k) => panelText(labels[k], curves, state.clipLog10 < CLIP_OFF)).join(" ");
}

function finiteMax(arrays) {
  let high = 0;
  for (const array of arrays) for (const value of array) if (Number.isFinite(value) && value > high) high = value;
  return high;
}

// Top of the y axis: TOP, or the decade above the largest finite value if that is higher.
function yTop(arrays) {
  const high = finiteMax(arrays);
  return high > TOP ? 10 ** Math.ceil(Math.log10(high) - 1e-9) : TOP;
}

// values clamped into [floor, top] for drawing; reports whether any fell outside
function clamped(values, floor, top, outside) {
  return Array.from(values, (value) => {
    if (!(value >= floor)) { outside.below = true; return floor; }          // also 0 and NaN
    if (!(value <= top)) { outside.above = true; return top; }             // Infinity
    return value;
  });
}

function settings(model) {
  return {
    weightScale: model.get("weight_scale"), forgetBias: model.get("forget_bias"),
    length: Math.round(model.get("length")), clipLog10: model.get("clip_log10"), cell: model.get("cell"),
  };
}

export default {
  render({ model, el }) {
    const models = model.get("models"), choices = model.get("choices");
    const inputs = model.get("inputs"), lossDirection = model.get("loss_direction");
    const floor = model.get("floor"), steps = model.get("steps");
    const root = explorerRoot(el, "lstm-gradient-explorer");
    const controls = element("div", { className: "lstm-controls" }, root);
    const state = settings(model);
    const maxLength = inputs.length;

    const sliders = {
      weight_scale: slider(controls, { label: "recurrent weight scale s", min: 0.25, max: 3, step: steps.weight_scale, value: state.weightScale,
        format: (v) => v.toFixed(2) }),
      forget_bias: slider(controls, { label: "forget-gate bias b_f", min: -2, max: 6, step: steps.forget_bias, value: state.forgetBias,
        format: (v) => v.toFixed(2) }),
      length: slider(controls, { label: "sequence length T", min: 5, max: maxLength, step: 1, value: state.length,
        format: (v) => String(Math.round(v)) }),
      clip_log10: slider(controls, { label: "clip threshold log10 τ (4 = off)", min: -1, max: CLIP_OFF, step: steps.clip_log10, value: state.clipLog10,
        format: (v) => (v >= CLIP_OFF ? "off" : v.toFixed(2)),
        describe: (v) => (v >= CLIP_OFF ? "clipping off" : `τ = ${formatNumber(10 ** v)}`) }),
    };
    let cellChoice = null;
    if (choices.length > 1) {
      cellChoice = choice(root, { label: "cell (right panel)", value: state.cell,
        options: choices.map((name) => ({ value: name, text: models[name].label })) });
      controls.after(cellChoice.fieldset);
    }
    const panelsNode = element("div", { className: "lstm-gradient-panels" }, root);
    const charts = [0, 1].map(() => lineChart(panelsNode, {
      title: "gradient norms",                // replaced on every redraw; keeps room for it
      xLabel: "time step t", yLabel: "gradient norm (log scale)", yScale: "log", width: 440, height: 300,
    }));
    const note = element("p", { className: "lstm-gradient-note" }, root);
    const live = readout(root);

    // Curves depend on the cell, s, b_f (not for the RNN, which has no forget gate) and T; the
    // clip threshold only sets the clip factor. Moving b_f or τ reuses what did not change.
    const computed = new Map();
    function curvesOf(name, now, threshold) {
      const bias = models[name].forget_block === null || models[name].forget_block === undefined ? 0 : now.forgetBias;
      const key = `${name}|${now.weightScale}|${bias}|${now.length}`;
      if (!computed.has(key)) {
        if (computed.size > 32) computed.clear();
        computed.set(key, explorerCurves(models[name], now.weightScale, bias, inputs, lossDirection, now.length));
      }
      const base = computed.get(key);
      return { ...base, clipFactor: clipFactor(base.paramNorm, threshold) };
    }

    function redraw() {
      const now = settings(model);
      const threshold = now.clipLog10 >= CLIP_OFF ? Infinity : 10 ** now.clipLog10;
      const cells = ["rnn", now.cell];
      const curves = cells.map((name) => curvesOf(name, now, threshold));
      const labels = cells.map((name) => models[name].label);
      const t = Array.from({ length: now.length }, (_, k) => k + 1);
      const bound = t.map((step) => now.weightScale ** (now.length - step));
      const top = yTop([...curves.map((c) => c.hNorm), ...curves.filter((c) => c.cNorm).map((c) => c.cNorm), bound]);
      const notes = [];
      curves.forEach((c, k) => {
        const outside = { below: false, above: false };
        const series = [{ name: "||dL/dh_t||", x: t, y: clamped(c.hNorm, floor, top, outside), style: "s0" }];
        if (c.cNorm) series.push({ name: "||dL/dC_t||", x: t, y: clamped(c.cNorm, floor, top, outside), style: "s2" });
        if (threshold !== Infinity) {
          series.push({ name: "after clipping", x: t, y: clamped(c.hNorm.map((v) => v * c.clipFactor), floor, top, outside), style: "s1", dash: true });
        }
        if (k === 0) series.push({ name: "bound s^(T−t)", x: t, y: clamped(bound, floor, top, outside), style: "s5", dotted: true });
        const clipping = threshold === Infinity ? "no clipping"
          : c.clipFactor < 1 ? `clipped × ${formatNumber(c.clipFactor)}` : "not clipped";
        charts[k].update({
          series, xDomain: [1, maxLength], yDomain: [floor, top],
          title: `${labels[k]}: ‖∇θL‖ = ${formatNumber(c.paramNorm)}, ${clipping}`,
          description: `${panelText(labels[k], c, threshold !== Infinity)} Log-scale plot of ||dL/dh_t|| at `
            + `every step t = 1..${now.length} for s = ${formatNumber(now.weightScale)}, `
            + `b_f = ${formatNumber(now.forgetBias)}, ${clippingText(now.clipLog10)}.`,
        });
        if (outside.below) notes.push(`${labels[k]}: values below ${floor.toExponential(0)} are drawn at ${floor.toExponential(0)}.`);
        if (outside.above) notes.push(`${labels[k]}: values too large to represent are drawn at the top.`);
      });
      note.textContent = notes.join(" ");
      const text = describe(now, labels, curves);
      root.dataset.description = text;
      live.textContent = curves.map((c, k) => `${labels[k]}: ||dL/dh_1|| = ${formatNumber(c.hNorm[0])}`
        + (threshold === Infinity ? "" : `, clip factor ${formatNumber(c.clipFactor)}`)).join("; ")
        + (threshold === Infinity ? "; no clipping." : ".");
      root.dataset.gradients = JSON.stringify({
        weight_scale: now.weightScale, forget_bias: now.forgetBias, length: now.length, clip_log10: now.clipLog10,
        cells, panels: curves.map((c) => ({ h_norm: Array.from(c.hNorm), c_norm: c.cNorm && Array.from(c.cNorm),
          param_norm: c.paramNorm, clip_factor: c.clipFactor })),
      });
    }

    for (const [name, control] of Object.entries(sliders)) bindSlider(model, name, control, redraw);
    if (cellChoice) bindChoice(model, "cell", cellChoice, redraw);
    redraw();
  },
};
