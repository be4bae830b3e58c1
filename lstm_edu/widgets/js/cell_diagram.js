// An SVG drawing of one LSTM cell, with one unit's numbers written next to every wire.
//
// The layout follows lstm_edu.diagrams.draw_lstm_cell (Olah's picture): the cell state C runs
// along the top through the forget gate's × and the +; below it the forget gate f_t, the input
// gate i_t, the candidate C̃_t and the output gate o_t read [h_{t−1}, x_t] from the bus at the
// bottom; tanh(C_t) times o_t leaves as h_t. Colours come from currentColor and the CSS
// variables of explorer.css (light and dark); the viewBox scales to the page's width.

const SVG = "http://www.w3.org/2000/svg";
const BELT_Y = 70, MUL_Y = 150, GATE_Y = 240, HOUT_Y = 300, BUS_Y = 340, X_IN = 100;
const FORGET_X = 170, INPUT_X = 250, CAND_X = 330, OUTPUT_X = 430, OUTMUL_X = 530;
const LEFT = 8, RIGHT = 632, R = 14, TANH_R = 19, BOX_W = 58, BOX_H = 50;

let diagrams = 0;

function node(tag, attributes, parent) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (parent) parent.appendChild(element);
  return element;
}

// A symbol in the seeds' notation: base letter, optional tilde, subscript (t, t−1).
function symbol(parent, x, y, base, sub, anchor = "middle", extra = {}) {
  const text = node("text", { x, y, "text-anchor": anchor, class: "lstm-cell-symbol", ...extra }, parent);
  text.appendChild(document.createTextNode(base));
  node("tspan", { "baseline-shift": "sub", "font-size": "70%" }, text).textContent = sub;
  return text;
}

function wire(parent, points, { head = true, part = "" } = {}, markers) {
  const path = node("polyline", {
    points: points.map(([x, y]) => `${x},${y}`).join(" "),
    class: `lstm-cell-wire ${part}`,
  }, parent);
  if (head) path.setAttribute("marker-end", `url(#${part ? markers.highlight : markers.plain})`);
  return path;
}

function defineMarkers(svg) {
  const id = `lstm-cell-${++diagrams}`;
  const defs = node("defs", {}, svg);
  const names = { plain: `${id}-arrow`, highlight: `${id}-arrow-hl` };
  for (const [kind, name] of Object.entries(names)) {
    const marker = node("marker", {
      id: name, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 10, markerHeight: 10,
      orient: "auto-start-reverse", markerUnits: "userSpaceOnUse",
    }, defs);
    node("path", { d: "M0,0 L10,5 L0,10 z", class: `lstm-cell-head ${kind === "highlight" ? "lstm-cell-hl" : ""}` }, marker);
  }
  return names;
}

function pointwise(parent, x, y, text, part = "", radius = R) {
  const group = node("g", { class: `lstm-cell-op ${part}` }, parent);
  node("circle", { cx: x, cy: y, r: radius }, group);
  node("text", { x, y: y + (text.length > 1 ? 4 : 5), "text-anchor": "middle",
                 class: text.length > 1 ? "lstm-cell-small" : "" }, group).textContent = text;
  return group;
}

function layer(parent, x, activation, base, sub, tilde = false) {
  const group = node("g", { class: "lstm-cell-layer" }, parent);
  node("rect", { x: x - BOX_W / 2, y: GATE_Y - BOX_H / 2, width: BOX_W, height: BOX_H, rx: 8 }, group);
  node("text", { x, y: GATE_Y - 6, "text-anchor": "middle" }, group).textContent = activation;
  symbol(group, x, GATE_Y + 14, tilde ? "C\u0303" : base, sub);
  return group;
}

// Where each number goes: [x, y, text-anchor].
const PLACES = {
  c_prev: [LEFT, BELT_Y + 24, "start"], kept: [(FORGET_X + CAND_X) / 2, BELT_Y - 10, "middle"],
  c: [RIGHT, BELT_Y + 24, "end"], forget: [FORGET_X + 8, 175, "start"],
  input: [INPUT_X + 8, 195, "start"], candidate: [CAND_X + 8, 198, "start"],
  written: [CAND_X + 8, 115, "start"], tanh_c: [OUTMUL_X + 8, 200, "start"],
  output: [(OUTPUT_X + BOX_W / 2 + OUTMUL_X - R) / 2, GATE_Y - 9, "middle"],
  h: [RIGHT, HOUT_Y + 24, "end"], h_prev: [LEFT, BUS_Y + 24, "start"], x: [X_IN + 8, 392, "start"],
};

function drawCell(svg, markers) {
  const hl = "lstm-cell-hl";
  node("rect", { x: 44, y: 28, width: 560, height: 344, rx: 26, class: "lstm-cell-body" }, svg);
  // the cell state: C_{t-1} -> × -> + -> C_t (the cell update, highlighted)
  wire(svg, [[LEFT, BELT_Y], [FORGET_X - R, BELT_Y]], { part: hl }, markers);
  wire(svg, [[FORGET_X + R, BELT_Y], [CAND_X - R, BELT_Y]], { part: hl }, markers);
  wire(svg, [[CAND_X + R, BELT_Y], [RIGHT, BELT_Y]], { part: hl }, markers);
  // the bus [h_{t-1}, x_t] feeding the four layers
  wire(svg, [[LEFT, BUS_Y], [X_IN, BUS_Y]], { head: false }, markers);
  wire(svg, [[X_IN, 398], [X_IN, BUS_Y]], { head: false }, markers);
  wire(svg, [[X_IN, BUS_Y], [OUTPUT_X, BUS_Y]], { head: false }, markers);
  for (const x of [FORGET_X, INPUT_X, CAND_X, OUTPUT_X]) wire(svg, [[x, BUS_Y], [x, GATE_Y + BOX_H / 2]], {}, markers);
  // gates and candidate into the update, the output path
  wire(svg, [[FORGET_X, GATE_Y - BOX_H / 2], [FORGET_X, BELT_Y + R]], {}, markers);
  wire(svg, [[INPUT_X, GATE_Y - BOX_H / 2], [INPUT_X, MUL_Y], [CAND_X - R, MUL_Y]], {}, markers);
  wire(svg, [[CAND_X, GATE_Y - BOX_H / 2], [CAND_X, MUL_Y + R]], {}, markers);
  wire(svg, [[CAND_X, MUL_Y - R], [CAND_X, BELT_Y + R]], { part: hl }, markers);
  wire(svg, [[OUTMUL_X, BELT_Y], [OUTMUL_X, MUL_Y - TANH_R]], {}, markers);
  wire(svg, [[OUTMUL_X, MUL_Y + TANH_R], [OUTMUL_X, GATE_Y - R]], {}, markers);
  wire(svg, [[OUTPUT_X + BOX_W / 2, GATE_Y], [OUTMUL_X - R, GATE_Y]], {}, markers);
  wire(svg, [[OUTMUL_X, GATE_Y + R], [OUTMUL_X, HOUT_Y], [RIGHT, HOUT_Y]], {}, markers);
  pointwise(svg, FORGET_X, BELT_Y, "\u00d7", hl);
  pointwise(svg, CAND_X, BELT_Y, "+", hl);
  pointwise(svg, CAND_X, MUL_Y, "\u00d7", hl);
  pointwise(svg, OUTMUL_X, MUL_Y, "tanh", "", TANH_R);
  pointwise(svg, OUTMUL_X, GATE_Y, "\u00d7");
  layer(svg, FORGET_X, "\u03c3", "f", "t");
  layer(svg, INPUT_X, "\u03c3", "i", "t");
  layer(svg, CAND_X, "tanh", "C", "t", true);
  layer(svg, OUTPUT_X, "\u03c3", "o", "t");
  // the names of the states where they enter and leave
  symbol(svg, LEFT, BELT_Y - 10, "C", "t\u22121", "start");
  symbol(svg, RIGHT, BELT_Y - 10, "C", "t", "end");
  symbol(svg, LEFT, BUS_Y - 10, "h", "t\u22121", "start");
  symbol(svg, RIGHT, HOUT_Y - 10, "h", "t", "end");
  symbol(svg, X_IN - 8, 392, "x", "t", "end");
}

// Build the diagram in `parent`; returns {svg, labels, show(values)}.
export function cellDiagram(parent) {
  const svg = node("svg", {
    viewBox: "0 0 640 400", role: "img", class: "lstm-cell-diagram",
    preserveAspectRatio: "xMidYMid meet",
  }, parent);
  const markers = defineMarkers(svg);
  drawCell(svg, markers);
  const labels = {};
  for (const [name, [x, y, anchor]] of Object.entries(PLACES)) {
    labels[name] = node("text", { x, y, "text-anchor": anchor, class: "lstm-cell-value", "data-name": name }, svg);
  }
  return {
    svg, labels,
    // values: name -> {text, value} (value a number, or a list of numbers for x)
    show(values) {
      for (const [name, label] of Object.entries(labels)) {
        label.textContent = values[name].text;
        label.setAttribute("data-value", JSON.stringify(values[name].value));
      }
    },
  };
}
