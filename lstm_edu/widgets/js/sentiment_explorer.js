// The sentiment explorer: the reader types a sentence, the trained review LSTM reads it in
// the browser (float64, weights from the widget) and shows p(positive) after each word and
// the forget, input and output gates of a few chosen units, word by word.
//
// Tokenising mirrors lstm_edu.apps.sentiment_reviews.tokenize exactly: lower-case the text,
// keep the matches of the tokenizer's own pattern (the trait token_pattern), map a word the
// vocabulary lacks to index 1 (<unk>). lstm_edu.apps.browser_models is the Python twin.

import { element, explorerRoot, formatNumber, readout, textInput } from "./controls.js";
import { lineChart } from "./chart.js";
import { heatMap } from "./heatmap.js";
import { decodeArray, loadModel, run } from "./packed.js";

const GATES = [["f", "forget"], ["i", "input"], ["o", "output"]];
const sigmoid = (a) => 1 / (1 + Math.exp(-a));

export function tokens(text, pattern) {
  return text.toLowerCase().match(new RegExp(pattern, "g")) || [];
}

// Characters (lower-cased) outside every token and not whitespace, each once.
export function dropped(text, pattern) {
  const rest = text.toLowerCase().replace(new RegExp(pattern, "g"), " ");
  return [...new Set(Array.from(rest).filter((ch) => !/\s/u.test(ch)))].join("");
}

function analyse(model, bag, words, sentence) {
  const ids = words.ids, steps = run(model, ids);
  const scores = steps.map((s) => sigmoid(s.logits[1] - s.logits[0]));
  let sum = 0;  // BagOfWords.running_scores: bias + cumsum(weights of the words so far)
  const bagScores = bag ? ids.map((id) => sigmoid(bag.bias + (sum += bag.weights[id]))) : null;
  return { sentence, ...words, steps, scores, bagScores };
}

function describe(state, units) {
  const p = state.scores[state.scores.length - 1];
  const bag = state.bagScores ? `; bag of words ${formatNumber(state.bagScores[state.bagScores.length - 1])}` : "";
  const swing = units.map((u) => {
    const f = state.steps.map((s) => s.f[u]);
    const low = f.indexOf(Math.min(...f));
    return `unit ${u}'s forget gate is lowest (${formatNumber(f[low], 2)}) at "${state.tokens[low]}"`;
  });
  return `After the ${state.tokens.length} words "${state.tokens.join(" ")}", the LSTM gives p(positive) ` +
    `${formatNumber(p)}${bag}. Heat-map: forget, input and output gates of units ${units.join(", ")} ` +
    `after each word; ${swing.join("; ")}.`;
}

export default {
  render({ model, el }) {
    const lstm = loadModel(model.get("weights"));
    const bagTrait = model.get("bag");
    const bag = bagTrait && bagTrait.weights ? { bias: bagTrait.bias, weights: decodeArray(bagTrait.weights).values } : null;
    const vocabulary = new Map(model.get("words").map((w, k) => [w, k]));
    const root = explorerRoot(el, "lstm-sentiment");
    const box = textInput(root, { label: "Your sentence", value: model.get("sentence"),
      hint: "Type a sentence; the model reads it word by word as you type." });
    box.input.setAttribute("maxlength", String(model.get("max_characters")));
    const said = readout(root);
    const chart = lineChart(root, { title: "p(positive) after each word", xLabel: "word", yLabel: "p(positive)", height: 220 });
    const heat = heatMap(root, { tableSummary: "The gate values as a table" });
    let good = null;

    function words(sentence) {
      const pattern = model.get("token_pattern"), found = tokens(sentence, pattern);
      const ids = found.map((w) => (vocabulary.has(w) ? vocabulary.get(w) : 1));
      const unknown = [...new Set(found.filter((w) => !vocabulary.has(w)))];
      return { tokens: found, ids, unknown, dropped: dropped(sentence, pattern) };
    }

    function problem(sentence, found) {
      const limit = model.get("max_characters");
      if (sentence.length > limit) return `At most ${limit} characters, please (this one has ${sentence.length}); showing the last sentence read.`;
      if (!found.tokens.length) return `"${sentence.trim() || "(empty)"}" has no word the model reads (letters, digits, ! or ?); showing the last sentence read.`;
      return null;
    }

    function notes(found) {
      const parts = [];
      if (found.unknown.length) parts.push(`Not in the model's vocabulary, read as <unk>: ${found.unknown.join(", ")}.`);
      if (found.dropped) parts.push(`Ignored by the tokenizer: ${Array.from(found.dropped).join(" ")}`);
      return parts.join(" ") || "Every word is in the model's vocabulary.";
    }

    function show(state) {
      const units = model.get("units");
      const x = state.tokens.map((_, k) => k + 1);
      const series = [{ name: "LSTM", x, y: state.scores, style: "s0" }];
      if (state.bagScores) series.push({ name: "bag of words", x, y: state.bagScores, style: "s1", dash: true });
      series.push({ name: "0.5", x: [1, Math.max(x.length, 2)], y: [0.5, 0.5], style: "s5", dotted: true, legend: false });
      const description = describe(state, units);
      chart.update({ series, xDomain: [1, Math.max(x.length, 2)], yDomain: [0, 1], description });
      const rows = units.flatMap((u) => GATES.map(([g, name]) => ({ label: `unit ${u} ${name} ${g}`, values: state.steps.map((s) => s[g][u]) })));
      heat.update({ rows, columns: state.tokens, description: `Heat-map. ${description}` });
      const p = state.scores[state.scores.length - 1];
      said.textContent = `p(positive) = ${formatNumber(p)} (LSTM)` +
        (state.bagScores ? `, ${formatNumber(state.bagScores[state.bagScores.length - 1])} (bag of words)` : "") +
        ` after ${state.tokens.length} word${state.tokens.length === 1 ? "" : "s"}.` +
        (state.unknown.length ? ` Unknown: ${state.unknown.join(", ")}.` : "");
      root.dataset.score = String(p);
      root.dataset.scores = JSON.stringify(state.scores);
      root.dataset.bagScores = JSON.stringify(state.bagScores);
      root.dataset.tokens = JSON.stringify(state.tokens);
      root.dataset.unknown = JSON.stringify(state.unknown);
      root.dataset.gates = JSON.stringify(Object.fromEntries(units.map((u) => [u, Object.fromEntries(GATES.map(([g]) => [g, state.steps.map((s) => s[g][u])]))])));
      model.set("description", description);
    }

    function update(sentence) {
      const found = words(sentence);
      const message = problem(sentence, found);
      root.dataset.sentence = sentence;
      if (message) {
        box.showError(message);
        root.dataset.status = "error";
        return;
      }
      box.clearError(notes(found));
      root.dataset.status = "ok";
      good = analyse(lstm, bag, found, sentence);
      show(good);
    }

    box.input.addEventListener("input", () => {
      model.set("sentence", box.value);  // the change event below redraws
      model.save_changes();
    });
    model.on("change:sentence", () => {
      if (box.value !== model.get("sentence")) box.set(model.get("sentence"));
      update(model.get("sentence"));
    });
    model.on("change:units", () => { if (good) show(good); });
    update(model.get("sentence"));
  },
};

