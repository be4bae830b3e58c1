// A minimal SVG line chart: linear or log axes, several series, every element drawn once
// and updated in place. Colours come from CSS classes (explorer.css), readable in light and
// dark mode; the SVG scales to its container's width, so it works on a phone.
// The chart is an image to assistive technology (role="img"); its aria-label is the text
// alternative the explorer writes with `describe`.

const SVG = "http://www.w3.org/2000/svg";

function svgElement(tag, attributes, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

export function linearTicks(low, high, count = 5) {
  const span = high - low;
  if (!(span > 0)) return [low];
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => span / s <= count) || 10 * power;
  const ticks = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    ticks.push(Math.abs(value) < step * 1e-9 ? 0 : Number(value.toPrecision(12)));
  }
  return ticks;
}

export function logTicks(low, high, count = 6) {
  const first = Math.ceil(Math.log10(low) - 1e-9), last = Math.floor(Math.log10(high) + 1e-9);
  const stride = Math.max(1, Math.ceil((last - first + 1) / count));
  const ticks = [];
  for (let power = first; power <= last; power += stride) ticks.push(10 ** power);
  return ticks;
}

function tickLabel(value, log) {
  if (log) return `1e${Math.round(Math.log10(value))}`;
  return Number(value.toPrecision(4)).toString();
}

// options: {title, xLabel, yLabel, yScale ("linear" | "log"), width, height}
export function lineChart(parent, options = {}) {
  const width = options.width || 560, height = options.height || 260;
  const margin = { left: 58, right: 16, top: options.title ? 26 : 10, bottom: 42 };
  const figure = document.createElement("figure");
  figure.className = "lstm-chart";
  parent.appendChild(figure);
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", preserveAspectRatio: "xMidYMid meet" }, figure);
  const title = svgElement("text", { x: width / 2, y: 16, "text-anchor": "middle", class: "lstm-chart-title" }, svg);
  title.textContent = options.title || "";
  const grid = svgElement("g", { class: "lstm-grid" }, svg);
  const axes = svgElement("g", { class: "lstm-axes" }, svg);
  const plot = svgElement("g", {}, svg);
  const xLabel = svgElement("text", { x: margin.left + (width - margin.left - margin.right) / 2, y: height - 6, "text-anchor": "middle", class: "lstm-axis-label" }, svg);
  xLabel.textContent = options.xLabel || "";
  const yLabel = svgElement("text", { transform: `translate(14 ${margin.top + (height - margin.top - margin.bottom) / 2}) rotate(-90)`, "text-anchor": "middle", class: "lstm-axis-label" }, svg);
  yLabel.textContent = options.yLabel || "";
  const legend = document.createElement("figcaption");
  legend.className = "lstm-legend";
  legend.setAttribute("aria-hidden", "true");
  figure.appendChild(legend);
  const paths = new Map();
  const log = options.yScale === "log";
  let drawnDomains = "";   // the axes are rebuilt only when a domain changes

  function scales(xDomain, yDomain) {
    const [x0, x1] = xDomain, [y0, y1] = yDomain;
    const px = (x) => margin.left + ((x - x0) / (x1 - x0 || 1)) * (width - margin.left - margin.right);
    const ty = log ? (y) => Math.log10(y) : (y) => y;
    const py = (y) => height - margin.bottom - ((ty(y) - ty(y0)) / (ty(y1) - ty(y0) || 1)) * (height - margin.top - margin.bottom);
    return { px, py };
  }

  function drawAxes(xDomain, yDomain, px, py) {
    grid.replaceChildren(); axes.replaceChildren();
    const xTicks = linearTicks(xDomain[0], xDomain[1], 6);
    const yTicks = log ? logTicks(yDomain[0], yDomain[1]) : linearTicks(yDomain[0], yDomain[1]);
    const bottom = height - margin.bottom, right = width - margin.right;
    svgElement("line", { x1: margin.left, x2: right, y1: bottom, y2: bottom }, axes);
    svgElement("line", { x1: margin.left, x2: margin.left, y1: margin.top, y2: bottom }, axes);
    for (const value of xTicks) {
      const x = px(value);
      svgElement("line", { x1: x, x2: x, y1: margin.top, y2: bottom }, grid);
      const label = svgElement("text", { x, y: bottom + 16, "text-anchor": "middle" }, axes);
      label.textContent = tickLabel(value, false);
    }
    for (const value of yTicks) {
      const y = py(value);
      svgElement("line", { x1: margin.left, x2: right, y1: y, y2: y }, grid);
      const label = svgElement("text", { x: margin.left - 6, y: y + 4, "text-anchor": "end" }, axes);
      label.textContent = tickLabel(value, log);
    }
  }

  // series: [{name, x: numbers, y: numbers, style: "s0".."s5", dash, markers}]
  function update({ series, xDomain, yDomain, description, title: newTitle }) {
    if (newTitle !== undefined) title.textContent = newTitle;
    const { px, py } = scales(xDomain, yDomain);
    const domains = `${xDomain}|${yDomain}`;
    if (domains !== drawnDomains) {
      drawAxes(xDomain, yDomain, px, py);
      drawnDomains = domains;
    }
    const seen = new Set();
    legend.replaceChildren();
    for (const item of series) {
      seen.add(item.name);
      let path = paths.get(item.name);
      if (!path) { path = svgElement("path", {}, plot); paths.set(item.name, path); }
      path.setAttribute("class", `lstm-series ${item.style || "s0"}${item.dash ? " dashed" : ""}${item.dotted ? " dotted" : ""}`);
      const [low, high] = yDomain;
      let d = "";
      for (let k = 0; k < item.x.length; k++) {
        const y = Math.min(Math.max(item.y[k], low), high);
        if (!Number.isFinite(item.y[k])) continue;
        d += `${d ? "L" : "M"}${px(item.x[k]).toFixed(2)},${py(y).toFixed(2)}`;
      }
      path.setAttribute("d", d);
      if (item.legend !== false) {
        const key = document.createElement("span");
        key.className = `lstm-key ${item.style || "s0"}${item.dash ? " dashed" : ""}${item.dotted ? " dotted" : ""}`;
        key.textContent = item.name;
        legend.appendChild(key);
      }
    }
    for (const [name, path] of paths) if (!seen.has(name)) { path.remove(); paths.delete(name); }
    if (description) svg.setAttribute("aria-label", description);
  }

  return { figure, svg, update };
}
