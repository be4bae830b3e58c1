// A small SVG heat-map of values in [0, 1]: one row per series, one column per step, each
// column labelled (a word). Shade = value (one hue, stronger = closer to 1), readable in
// light and dark mode (the hue is a CSS variable). The SVG is an image to assistive
// technology; the explorer writes its text alternative, and `table` keeps the numbers in a
// real <table> inside a <details> for readers who want them.

import { element, formatNumber } from "./controls.js";

const SVG = "http://www.w3.org/2000/svg";

function svgElement(tag, attributes, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

// rows: [{label, values (one per column)}], columns: [labels]
export function heatMap(parent, { title = "", tableSummary = "The values as a table" } = {}) {
  const figure = element("figure", { className: "lstm-chart lstm-heatmap" }, parent);
  const svg = svgElement("svg", { role: "img", preserveAspectRatio: "xMinYMin meet" }, figure);
  const details = element("details", { className: "lstm-table" }, figure);
  element("summary", { text: tableSummary }, details);
  const table = element("table", {}, details);

  function drawTable(rows, columns) {
    table.replaceChildren();
    const head = element("tr", {}, element("thead", {}, table));
    element("th", { scope: "col", text: "" }, head);
    columns.forEach((label) => element("th", { scope: "col", text: label }, head));
    const body = element("tbody", {}, table);
    for (const row of rows) {
      const tr = element("tr", {}, body);
      element("th", { scope: "row", text: row.label }, tr);
      row.values.forEach((value) => element("td", { text: formatNumber(value, 2) }, tr));
    }
  }

  function update({ rows, columns, description }) {
    const labelWidth = 118, cell = Math.max(16, Math.min(44, 600 / Math.max(columns.length, 1)));
    const rowHeight = 18, top = 78 + (title ? 18 : 0);
    const width = labelWidth + cell * columns.length + 8, height = top + rowHeight * rows.length + 24;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.replaceChildren();
    if (title) svgElement("text", { x: 0, y: 14, class: "lstm-chart-title" }, svg).textContent = title;
    columns.forEach((label, c) => {
      const x = labelWidth + cell * (c + 0.5), y = top - 6;
      const text = svgElement("text", { x, y, transform: `rotate(-50 ${x} ${y})`, "text-anchor": "start" }, svg);
      text.textContent = label.length > 14 ? `${label.slice(0, 13)}…` : label;
    });
    rows.forEach((row, r) => {
      const y = top + rowHeight * r;
      const label = svgElement("text", { x: labelWidth - 6, y: y + rowHeight * 0.7, "text-anchor": "end" }, svg);
      label.textContent = row.label;
      row.values.forEach((value, c) => {
        const shade = Math.min(Math.max(value, 0), 1);
        svgElement("rect", { x: labelWidth + cell * c + 1, y: y + 1, width: cell - 2, height: rowHeight - 2,
          class: "lstm-heat", "fill-opacity": shade.toFixed(3) }, svg);
      });
    });
    const key = svgElement("text", { x: labelWidth, y: height - 6 }, svg);
    key.textContent = "faint = 0 (closed), strong = 1 (open)";
    if (description) svg.setAttribute("aria-label", description);
    drawTable(rows, columns);
  }

  return { figure, svg, update };
}
