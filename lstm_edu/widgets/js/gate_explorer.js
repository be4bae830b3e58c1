// Chapter 3's gate explorer: hold the gates at values you choose, watch C_t and h_t.
// Mirrors lstm_edu/gate_patterns.py (gate_sequences, parse_sequence, describe) and runs the
// cell update with cells.js's gatedMemory, so the page shows lstm_edu's numbers.
import { gatedMemory } from "./cells.js";
import { lineChart } from "./chart.js";
import { bindChoice, bindSlider, choice, element, explorerRoot, formatG, readout, slider, textInput } from "./controls.js";

export const GATE_RANGES = { forget: [0, 1], input: [0, 1], candidate: [-1, 1], output: [0, 1], update: [0, 1] };
const LABELS = { forget: "forget gate f", input: "input gate i", candidate: "candidate C̃",
                 output: "output gate o", update: "update gate z" };
const GRU_CANDIDATE = "candidate n";
export const PATTERN_NAMES = { pulse: "a pulse", constant: "constant", distractors: "a pulse, then distractors",
                               custom: "your own sequence" };
export const MAX_CUSTOM_STEPS = 60;

// The per-step gates and candidate (lstm_edu.gate_patterns.gate_sequences).
export function gateSequences(state) {
  const custom = state.pattern === "custom";
  const T = custom ? state.custom.length : state.steps;
  const ones = new Float64Array(T).fill(1);
  const candidate = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const written = t < state.pulse ? 1 : 0;
    if (custom) candidate[t] = state.custom[t];
    else if (state.pattern === "constant") candidate[t] = state.candidate;
    else if (state.pattern === "pulse") candidate[t] = state.candidate * written;
    else candidate[t] = state.candidate * written + state.distractors[t];
  }
  if (state.variant === "gru") {
    return { forget: ones.map(() => state.update), input: ones.map(() => 1 - state.update),
             candidate, output: ones };
  }
  const forget = state.variant === "nfg" ? ones : ones.map(() => state.forget);
  let input;
  if (state.variant === "cifg") input = forget.map((f) => 1 - f);
  else if (state.variant === "nig") input = ones;
  else {
    input = ones.map(() => state.input);
    if (state.pattern === "distractors") for (let t = 0; t < Math.min(state.pulse, T); t++) input[t] = 1;
  }
  const output = state.variant === "nog" ? ones : ones.map(() => state.output);
  return { forget, input, candidate, output };
}

export function simulate(state) {
  const gates = gateSequences(state);
  const outputActivation = state.variant !== "noaf" && state.variant !== "gru";
  return { gates, ...gatedMemory(gates.forget, gates.input, gates.candidate, gates.output, state.c0, outputActivation) };
}

// The reader's typed sequence (lstm_edu.gate_patterns.parse_sequence): {values} or {error}.
export function parseSequence(text) {
  const words = text.replace(/,/g, " ").split(/\s+/).filter((word) => word.length);
  if (!words.length) return { error: "Type at least one number between -1 and 1." };
  if (words.length > MAX_CUSTOM_STEPS) return { error: `At most ${MAX_CUSTOM_STEPS} values, got ${words.length}.` };
  const values = [];
  for (const word of words) {
    const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(word) ? Number(word) : NaN;
    if (Number.isNaN(value)) return { error: `"${word}" is not a number.` };
    if (!(value >= -1 && value <= 1)) return { error: `Every value must be in [-1, 1] (a tanh output), got ${word}.` };
    values.push(value);
  }
  return { values };
}

// One sentence with the key numbers: the readout and the chart's text alternative.
export function describe(state, result) {
  const T = result.c.length;
  let peak = 0;
  for (let t = 1; t < T; t++) if (Math.abs(result.c[t]) > Math.abs(result.c[peak])) peak = t;
  const gru = state.variant === "gru";
  const settings = gru ? `update gate z = ${formatG(state.update)}`
    : variantGates(state.variant).map((name) => `${name === "candidate" ? "candidate" : LABELS[name]} = ${formatG(state[name])}`).join(", ");
  const what = gru ? "state h_t" : "cell state C_t";
  const tail = gru ? "" : `; output h_t ends at ${formatG(result.h[T - 1])}`;
  return `${state.variant} cell, candidate ${PATTERN_NAMES[state.pattern]}, ${T} steps, ${settings}: ` +
    `${what} ends at ${formatG(result.c[T - 1])} (largest magnitude ${formatG(Math.abs(result.c[peak]))} ` +
    `at step ${peak + 1})${tail}.`;
}

export function variantGates(variant) {
  return { vanilla: ["forget", "input", "candidate", "output"], peephole: ["forget", "input", "candidate", "output"],
           cifg: ["forget", "candidate", "output"], nfg: ["input", "candidate", "output"],
           nig: ["forget", "candidate", "output"], nog: ["forget", "input", "candidate"],
           noaf: ["forget", "input", "candidate", "output"], gru: ["update", "candidate"] }[variant];
}

function yDomain(arrays) {
  let low = -1, high = 1;
  for (const values of arrays) for (const value of values) { low = Math.min(low, value); high = Math.max(high, value); }
  const pad = 0.05 * (high - low);
  return [low - pad, high + pad];
}

function state(model) {
  const names = ["variant", "pattern", "steps", "pulse", "c0", "distractors", "custom", ...Object.keys(GATE_RANGES)];
  return Object.fromEntries(names.map((name) => [name, model.get(name)]));
}

function draw(model, chart, out) {
  const current = state(model);
  const result = simulate(current);
  const steps = Array.from(result.c, (_, t) => t + 1);
  const gru = current.variant === "gru";
  const series = [
    { name: gru ? "candidate n_t fed in" : "candidate C̃_t fed in", x: steps, y: result.gates.candidate, style: "s5", dotted: true },
    { name: gru ? "state h_t" : "cell state C_t", x: steps, y: result.c, style: "s0" },
  ];
  if (!gru) series.push({ name: "output h_t", x: steps, y: result.h, style: "s1", dash: true });
  const text = describe(current, result);
  chart.update({ series, xDomain: [1, Math.max(2, steps.length)], yDomain: yDomain([result.c, result.h]),
                 description: `Line chart: ${text}` });
  out.textContent = text;
  out.dataset.c = JSON.stringify(Array.from(result.c));
  out.dataset.h = JSON.stringify(Array.from(result.h));
  model.set("description", text);
}

function render({ model, el }) {
  const root = explorerRoot(el, "lstm-gate-explorer");
  const variant = model.get("variant");
  const shown = model.get("controls");
  const controls = element("div", { className: "lstm-controls" }, root);
  const chart = lineChart(root, { xLabel: "time step t", yLabel: variant === "gru" ? "h_t" : "C_t and h_t" });
  const out = readout(root);
  const redraw = () => draw(model, chart, out);
  for (const name of variantGates(variant).filter((gate) => shown.includes(gate))) {
    const [min, max] = GATE_RANGES[name];
    const control = slider(controls, { label: variant === "gru" && name === "candidate" ? GRU_CANDIDATE : LABELS[name],
                                       min, max, step: 0.01, value: model.get(name), format: (v) => v.toFixed(2) });
    bindSlider(model, name, control, redraw);
  }
  if (shown.includes("pattern")) {
    const options = Object.entries(PATTERN_NAMES).map(([value, text]) => ({ value, text }));
    const patterns = choice(root, { label: "input pattern", options, value: model.get("pattern") });
    controls.after(patterns.fieldset);
    bindChoice(model, "pattern", patterns, redraw);
    const typed = textInput(root, {
      label: "your candidate sequence", value: model.get("custom").join(" "),
      hint: `Numbers in [-1, 1], separated by spaces or commas (1 to ${MAX_CUSTOM_STEPS}); Enter applies them.`,
    });
    patterns.fieldset.after(typed.row);
    typed.onChange((text) => {
      const parsed = parseSequence(text);
      if (parsed.error) { typed.showError(parsed.error); return; }  // the last good state stays
      typed.clearError();
      model.set("custom", parsed.values);
      model.set("pattern", "custom");
      model.save_changes();
      patterns.set("custom");
      redraw();
    });
    model.on("change:custom", () => { typed.set(model.get("custom").join(" ")); redraw(); });
  }
  for (const name of ["steps", "pulse", "c0"]) model.on(`change:${name}`, redraw);
  redraw();
}

export default { render };
