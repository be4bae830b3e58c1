// The step explorer (chapter 2): one LSTM unit's numbers on the cell diagram, at a chosen
// time step of a real trace, computed here from the model's weights.
//
// Traits (lstm_edu.widgets.architecture_explorer.StepExplorer): weights {W_x, W_h, b, ...}
// and flags of the LSTM, inputs (T rows of D numbers, as the reader has changed them),
// initial_inputs, step (1..T), unit (0..H-1), input_range [low, high]. Changing the input
// at step t recomputes the whole trace: every gate and state from step t on responds.
// The root element carries the numbers shown at full precision (data-values, data-inputs,
// data-trace) for tests.

import { bindSlider, element, explorerRoot, readout, slider } from "./controls.js";
import { lineChart } from "./chart.js";
import { lstmParams, lstmTrace, cellStep, withInput, format3g } from "./cell_step.js";
import { cellDiagram } from "./cell_diagram.js";

const f3 = format3g;
const wrap = (v) => (v < 0 ? `(${f3(v)})` : f3(v));   // a negative factor in a product
const vector = (xs) => (xs.length === 1 ? f3(xs[0]) : `[${xs.map(f3).join(", ")}]`);

// The text alternative: the same words as StepExplorer.description in Python.
export function describeStep(v, step, steps, unit) {
  return `An LSTM cell at step ${step} of ${steps}, hidden unit ${unit}, with its numbers on the wires: ` +
    `input x_t = ${vector(v.x)}, previous hidden state h_t-1 = ${f3(v.h_prev)} and cell state ` +
    `C_t-1 = ${f3(v.c_prev)}; forget gate f_t = ${f3(v.forget)}, input gate i_t = ${f3(v.input)}, ` +
    `candidate C~_t = ${f3(v.candidate)}, output gate o_t = ${f3(v.output)}; kept f_t·C_t-1 = ` +
    `${f3(v.kept)}, written i_t·C~_t = ${f3(v.written)}; new cell state C_t = ${f3(v.c)}, ` +
    `tanh(C_t) = ${f3(v.tanh_c)}, new hidden state h_t = ${f3(v.h)}.`;
}

// The readout: the cell update and the output, with the numbers.
export function updateEquation(v, step) {
  return `t = ${step}: C\u209c = f\u209c\u00b7C\u209c\u208b\u2081 + i\u209c\u00b7C\u0303\u209c = ` +
    `${wrap(v.forget)} \u00d7 ${wrap(v.c_prev)} + ${wrap(v.input)} \u00d7 ${wrap(v.candidate)} = ${f3(v.c)}; ` +
    `h\u209c = o\u209c\u00b7tanh(C\u209c) = ${wrap(v.output)} \u00d7 tanh(${f3(v.c)}) = ${f3(v.h)}`;
}

// the names of the numbers in the list under the diagram (narrow screens), with Unicode subscripts
const LABELS = {
  x: "x\u209c", h_prev: "h\u209c\u208b\u2081", c_prev: "C\u209c\u208b\u2081", forget: "f\u209c",
  input: "i\u209c", candidate: "C\u0303\u209c", output: "o\u209c", kept: "f\u209c\u00b7C\u209c\u208b\u2081",
  written: "i\u209c\u00b7C\u0303\u209c", c: "C\u209c", tanh_c: "tanh C\u209c", h: "h\u209c",
};

function perUnit(steps, name) {
  return steps.map((record) => Array.from(record[name]));
}

// The input sliders move in steps of 0.01 from the trace's own input at that step (its
// "origin"): the value is origin + k * 0.01, or the range's end, so the slider shows the
// original input exactly and a key and its opposite (→ then ←) come back to it exactly.
const INPUT_STEP = 0.01;

function inputControls(parent, model, redraw) {
  const [low, high] = model.get("input_range");
  const D = model.get("inputs")[0].length;
  const origin = (d) => model.get("initial_inputs")[model.get("step") - 1][d];
  const onGrid = (value, d) => {
    const start = origin(d), k = Math.round((value - start) / INPUT_STEP);
    return Math.min(high, Math.max(low, start + k * INPUT_STEP));
  };
  const sliders = Array.from({ length: D }, (_, d) => {
    const control = slider(parent, {
      label: D === 1 ? "input x at step t" : `input x[${d}] at step t`, min: low, max: high, step: INPUT_STEP,
      value: 0, format: f3,
    });
    control.onInput((value) => {
      const t = model.get("step") - 1;
      model.set("inputs", withInput(model.get("inputs"), t, d, onGrid(value, d)));
      model.save_changes();
      redraw();
    });
    return control;
  });
  sliders.show = (row) => sliders.forEach((control, d) => {
    const start = origin(d);
    const min = String(start - Math.ceil((start - low) / INPUT_STEP - 1e-9) * INPUT_STEP);
    const max = String(start + Math.ceil((high - start) / INPUT_STEP - 1e-9) * INPUT_STEP);
    if (control.input.min !== min) control.input.min = min;   // touch the DOM only on a change
    if (control.input.max !== max) control.input.max = max;
    control.set(row[d]);
    control.row.querySelector("output").textContent = f3(row[d]);
    control.input.setAttribute("aria-valuetext", f3(row[d]));
  });
  return sliders;
}

function valueList(parent) {
  const list = element("dl", { className: "lstm-step-values", "aria-hidden": "true" }, parent);
  const items = {};
  for (const [name, text] of Object.entries(LABELS)) {
    const item = element("div", {}, list);
    element("dt", { text }, item);
    items[name] = element("dd", {}, item);
  }
  return items;
}

export default {
  render({ model, el }) {
    const root = explorerRoot(el, "lstm-step-explorer");
    const controls = element("div", { className: "lstm-controls" }, root);
    const steps = () => model.get("inputs").length;
    const units = () => model.get("weights").W_h.length;
    const stepSlider = slider(controls, {
      label: "time step t", min: 1, max: steps(), step: 1, value: model.get("step"),
      format: (v) => String(v), describe: (v) => `step ${v} of ${steps()}`,
    });
    const unitSlider = slider(controls, {
      label: "hidden unit", min: 0, max: units() - 1, step: 1, value: model.get("unit"),
      format: (v) => String(v), describe: (v) => `unit ${v} of ${units()}, counted from 0`,
    });
    if (units() === 1) unitSlider.input.disabled = true;
    const figure = element("div", { className: "lstm-cell-figure" }, root);
    const diagram = cellDiagram(figure);
    const values = valueList(root);
    const text = readout(root);
    const chart = lineChart(root, { title: "over the sequence", xLabel: "time step t", yLabel: "value", height: 220 });
    let params = lstmParams(model.get("weights"));
    let original = null;   // the trace of initial_inputs, drawn dashed

    function redraw() {
      const inputs = model.get("inputs"), flags = model.get("flags");
      const t = model.get("step") - 1, unit = model.get("unit"), T = inputs.length;
      if (!original) original = lstmTrace(params, flags, model.get("initial_inputs"));
      const trace = lstmTrace(params, flags, inputs);
      const v = cellStep(trace, inputs, t, unit);
      const shown = {};
      for (const name of Object.keys(LABELS)) {
        const value = v[name];
        shown[name] = { value, text: Array.isArray(value) ? vector(value) : f3(value) };
        values[name].textContent = shown[name].text;
      }
      diagram.show(shown);
      const description = describeStep(v, t + 1, T, unit);
      diagram.svg.setAttribute("aria-label", description);
      text.textContent = updateEquation(v, t + 1);
      inputSliders.show(inputs[t]);
      // nothing to reset while the inputs are the original ones
      const unchanged = JSON.stringify(inputs) === JSON.stringify(model.get("initial_inputs"));
      if (reset.disabled !== unchanged) reset.disabled = unchanged;
      root.dataset.step = String(t + 1);
      root.dataset.unit = String(unit);
      root.dataset.values = JSON.stringify(v);
      root.dataset.inputs = JSON.stringify(inputs);
      root.dataset.trace = JSON.stringify(Object.fromEntries(["i", "f", "g", "o", "c", "h"].map((n) => [n, perUnit(trace, n)])));
      drawChart(trace, t, unit, T);
    }

    function drawChart(trace, t, unit, T) {
      const xs = Array.from({ length: T }, (_, k) => k + 1);
      const pick = (steps, name) => steps.map((record) => record[name][unit]);
      const lines = [pick(trace, "c"), pick(trace, "h"), pick(original, "c"), pick(original, "h")];
      const extent = Math.max(1, ...lines.flat().map(Math.abs));
      const yDomain = [-Math.ceil(extent * 2) / 2, Math.ceil(extent * 2) / 2];
      chart.update({
        xDomain: [1, T], yDomain, title: `Unit ${unit} over the sequence (dashed: the original inputs)`,
        description: `Line chart of the cell state C_t and hidden state h_t of unit ${unit} over ${T} steps, ` +
          `with the original inputs dashed; step ${t + 1} is marked.`,
        series: [
          { name: "C_t", x: xs, y: lines[0], style: "s0" },
          { name: "h_t", x: xs, y: lines[1], style: "s1" },
          { name: "C_t, original", x: xs, y: lines[2], style: "s0", dash: true, legend: false },
          { name: "h_t, original", x: xs, y: lines[3], style: "s1", dash: true, legend: false },
          { name: "step t", x: [t + 1, t + 1], y: yDomain, style: "s5", dotted: true },
        ],
      });
    }

    const inputSliders = inputControls(controls, model, redraw);
    const reset = element("button", { type: "button", className: "lstm-button", text: "Reset the inputs" }, controls);
    reset.addEventListener("click", () => {
      model.set("inputs", model.get("initial_inputs").map((row) => Array.from(row)));
      model.save_changes();
      redraw();
    });
    bindSlider(model, "step", stepSlider, redraw);
    bindSlider(model, "unit", unitSlider, redraw);
    model.on("change:inputs", redraw);
    model.on("change:weights", () => { params = lstmParams(model.get("weights")); original = null; redraw(); });
    for (const name of ["flags", "initial_inputs"]) model.on(`change:${name}`, () => { original = null; redraw(); });
    redraw();
  },
};
