// The text-generation explorer: the character LSTM reads the reader's prompt in the browser
// (float64, weights from the widget), shows the distribution of the next character at the
// chosen temperature (the most likely few as a bar list) and, on "Sample", continues the
// prompt with characters drawn by mulberry32 from the chosen seed.
//
// Python twins: lstm_edu.apps.browser_sampling.char_distribution (the distribution:
// apply_temperature of the float64 logits) and sample_packed (the same text for the same seed).

import { element, explorerRoot, formatNumber, readout, slider, textInput, uniqueId } from "./controls.js";
import { applyTemperature, drawIndex, loadModel, mulberry32, run, step } from "./packed.js";

const NAMES = { " ": "space", "\n": "newline", "\t": "tab" };
export function charName(ch) {
  return NAMES[ch] ? `${ch === " " ? "␣" : "↵"} (${NAMES[ch]})` : ch;
}

function entropyBits(p) {
  let sum = 0;
  for (const value of p) if (value > 0) sum -= value * Math.log2(value);
  return sum;
}

function seedInput(parent, value) {
  const row = element("div", { className: "lstm-control lstm-seed" }, parent);
  const id = uniqueId("lstm-seed");
  element("label", { for: id, text: "Seed" }, row);
  const input = element("input", { type: "number", id, min: 0, max: 4294967295, step: 1, value,
    "aria-describedby": `${id}-message` }, row);
  const message = element("p", { id: `${id}-message`, className: "lstm-message" }, row);
  return { input, message };
}

const validSeed = (value) => Number.isInteger(value) && value >= 0 && value <= 4294967295;

function sampleText(lstm, ids, temperature, seed, length) {
  const uniform = mulberry32(seed);
  const steps = run(lstm, ids);
  let last = steps[steps.length - 1];
  const out = [];
  for (let n = 0; n < length; n++) {
    const k = drawIndex(applyTemperature(last.logits, temperature), uniform());
    out.push(k);
    last = step(lstm, k, { h: last.h, c: last.c });
  }
  return out;
}

export default {
  render({ model, el }) {
    const lstm = loadModel(model.get("weights"));
    const chars = model.get("chars"), index = new Map(chars.map((ch, k) => [ch, k]));
    const root = explorerRoot(el, "lstm-text-generation");
    const box = textInput(root, { label: "Prompt", value: model.get("prompt"), hint: "" });
    box.input.setAttribute("maxlength", String(model.get("max_characters")));
    const controls = element("div", { className: "lstm-controls" }, root);
    const temperature = slider(controls, { label: "Temperature", min: 0.1, max: 2, step: 0.05, value: model.get("temperature"),
      format: (t) => t.toFixed(2) });
    const { input: seed, message: seedMessage } = seedInput(controls, model.get("seed"));
    const button = element("button", { type: "button", className: "lstm-button", text: `Sample ${model.get("length")} characters` }, controls);
    const said = readout(root);
    const list = element("ol", { className: "lstm-bars", "aria-label": "most likely next characters" }, root);
    const output = element("pre", { className: "lstm-sample", "aria-label": "generated text" }, root);
    let good = null;

    function problem(prompt) {
      const limit = model.get("max_characters");
      if (!prompt.length) return "Type a prompt of at least one character; showing the last prompt read.";
      if (prompt.length > limit) return `At most ${limit} characters, please (this one has ${prompt.length}); showing the last prompt read.`;
      return null;
    }

    function distribution() {
      const p = applyTemperature(good.logits, model.get("temperature"));
      const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b).slice(0, model.get("top"));
      list.replaceChildren();
      for (const k of order) {
        const item = element("li", {}, list);
        element("span", { className: "lstm-bar-label", text: charName(chars[k]) }, item);
        const bar = element("span", { className: "lstm-bar", "aria-hidden": "true" }, item);
        bar.style.width = `${(100 * p[k]).toFixed(2)}%`;
        element("span", { className: "lstm-bar-value", text: formatNumber(p[k]) }, item);
      }
      const t = model.get("temperature"), tail = good.prompt.slice(-30);
      const text = `After "${tail}" at temperature ${t.toFixed(2)}: most likely "${charName(chars[order[0]])}" ` +
        `(p = ${formatNumber(p[order[0]])}), then ${order.slice(1, 3).map((k) => `"${charName(chars[k])}" (${formatNumber(p[k])})`).join(", ")}; ` +
        `entropy ${formatNumber(entropyBits(p))} bits.`;
      said.textContent = text;
      root.dataset.probabilities = JSON.stringify(Array.from(p));
      root.dataset.temperature = String(t);
      model.set("description", `${text} Bar list: the ${order.length} most likely next characters with their probabilities.`);
    }

    function read(prompt) {
      root.dataset.prompt = prompt;
      const message = problem(prompt);
      if (message) { box.showError(message); root.dataset.status = "error"; return false; }
      const symbols = Array.from(prompt);
      const unknown = [...new Set(symbols.filter((ch) => !index.has(ch)))];
      const ids = symbols.map((ch) => (index.has(ch) ? index.get(ch) : index.get("?")));
      const steps = run(lstm, ids);
      good = { prompt, ids, logits: steps[steps.length - 1].logits };
      box.clearError(unknown.length ? `Not among the model's ${chars.length} characters, read as ?: ${unknown.map(charName).join(" ")}`
        : `${symbols.length} characters, all among the model's ${chars.length}.`);
      root.dataset.status = "ok";
      root.dataset.ids = JSON.stringify(ids);
      root.dataset.unknown = JSON.stringify(unknown);
      distribution();
      return true;
    }

    function sample() {
      if (!good) return;
      const value = Number(seed.value);
      if (!validSeed(value)) {
        seedMessage.textContent = `A whole number from 0 to 4294967295, please (got "${seed.value}"); the last sample stays.`;
        seedMessage.classList.add("lstm-error");
        seed.setAttribute("aria-invalid", "true");
        return;
      }
      seedMessage.textContent = "";
      seedMessage.classList.remove("lstm-error");
      seed.removeAttribute("aria-invalid");
      const drawn = sampleText(lstm, good.ids, model.get("temperature"), value, model.get("length"));
      const text = drawn.map((k) => chars[k]).join("");
      output.replaceChildren(element("strong", { text: good.prompt }), document.createTextNode(text));
      root.dataset.sample = text;
      root.dataset.sampleSeed = String(value);
      root.dataset.sampleTemperature = String(model.get("temperature"));
    }

    box.input.addEventListener("input", () => { model.set("prompt", box.value); model.save_changes(); });
    model.on("change:prompt", () => {
      if (box.value !== model.get("prompt")) box.set(model.get("prompt"));
      read(model.get("prompt"));
    });
    temperature.onInput((t) => { model.set("temperature", t); model.save_changes(); });
    model.on("change:temperature", () => { temperature.set(model.get("temperature")); if (good) distribution(); });
    seed.addEventListener("change", () => {
      const value = Number(seed.value);
      if (validSeed(value)) { model.set("seed", value); model.save_changes(); }
    });
    model.on("change:seed", () => { seed.value = String(model.get("seed")); });
    model.on("change:top", () => { if (good) distribution(); });
    button.addEventListener("click", sample);
    if (read(model.get("prompt"))) sample();
  },
};
