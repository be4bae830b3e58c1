// Labelled native controls for the explorers, bound to the widget's model.
//
// Every control is a native <input> with a <label> (or a <fieldset> with a <legend>), so it
// has an accessible name and works from the keyboard; `readout` is an aria-live region that
// states the key numbers after each change. `bind*` keep a control and a model trait in
// step both ways: moving the control sets the trait (and, in a kernel, syncs it to Python);
// setting the trait from Python (explorer.forget = 0.3) moves the control.

let counter = 0;
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

export function element(tag, attributes = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}

// An explorer's keys are its own: in JupyterLab a notebook in command mode would otherwise
// take an arrow key on a slider, or a digit typed into a text box, as a notebook shortcut
// (move to another cell, turn the cell into a heading). Lumino skips shortcuts inside an
// element marked data-lm-suppress-shortcuts, and JupyterLab 4 handles keydown as it bubbles.
export function keepKeys(root) {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("keydown", (event) => event.stopPropagation());
}

// The root of every explorer: <div class="lstm-explorer kind"> in `el`, keeping its keys.
export function explorerRoot(el, kind) {
  const root = element("div", { className: `lstm-explorer ${kind}` }, el);
  keepKeys(root);
  return root;
}

export function formatNumber(value, digits = 3) {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) return value.toExponential(digits - 1).replace("e+", "e");
  return Number(value.toPrecision(digits)).toString();
}

// A labelled range input with its value shown next to it.
export function slider(parent, { label, min, max, step, value, format = formatNumber, describe }) {
  const row = element("div", { className: "lstm-control" }, parent);
  const id = uniqueId("lstm-slider");
  const labelNode = element("label", { for: id, text: label }, row);
  const input = element("input", { type: "range", id, min, max, step, value }, row);
  const output = element("output", { for: id, "aria-hidden": "true" }, row);
  const show = () => {
    const current = Number(input.value);
    output.textContent = format(current);
    input.setAttribute("aria-valuetext", describe ? describe(current) : format(current));
  };
  show();
  return {
    row, input, label: labelNode,
    get value() { return Number(input.value); },
    set(next) { input.value = String(next); show(); },
    onInput(callback) { input.addEventListener("input", () => { show(); callback(Number(input.value)); }); },
  };
}

// A labelled group of radio buttons (a named choice, not a numbered slider).
export function choice(parent, { label, options, value }) {
  const fieldset = element("fieldset", { className: "lstm-choice" }, parent);
  element("legend", { text: label }, fieldset);
  const name = uniqueId("lstm-choice");
  const inputs = options.map(({ value: optionValue, text }) => {
    const id = uniqueId("lstm-option");
    const wrapper = element("span", { className: "lstm-option" }, fieldset);
    const input = element("input", { type: "radio", id, name, value: optionValue }, wrapper);
    input.checked = optionValue === value;
    element("label", { for: id, text }, wrapper);
    return input;
  });
  return {
    fieldset,
    get value() { const checked = inputs.find((input) => input.checked); return checked ? checked.value : value; },
    set(next) { inputs.forEach((input) => { input.checked = input.value === next; }); },
    onChange(callback) { inputs.forEach((input) => input.addEventListener("change", () => callback(input.value))); },
  };
}

// A labelled text box with a message area for bad input (role="alert" only while shown).
export function textInput(parent, { label, value, placeholder = "", hint = "" }) {
  const row = element("div", { className: "lstm-control lstm-text" }, parent);
  const id = uniqueId("lstm-text");
  element("label", { for: id, text: label }, row);
  const input = element("input", { type: "text", id, value, placeholder, spellcheck: "false" }, row);
  const messageId = `${id}-message`;
  const message = element("p", { id: messageId, className: "lstm-message" }, row);
  if (hint) message.textContent = hint;
  input.setAttribute("aria-describedby", messageId);
  return {
    row, input, message,
    get value() { return input.value; },
    set(next) { input.value = next; },
    showError(text) { message.textContent = text; message.classList.add("lstm-error"); input.setAttribute("aria-invalid", "true"); },
    clearError(text = hint) { message.textContent = text; message.classList.remove("lstm-error"); input.removeAttribute("aria-invalid"); },
    onChange(callback) { input.addEventListener("change", () => callback(input.value)); },
  };
}

// The live text readout: screen readers hear the key numbers after each change.
export function readout(parent) {
  return element("p", { className: "lstm-readout", "aria-live": "polite" }, parent);
}

// Keep a slider and a numeric model trait in step both ways; `redraw` runs after either.
export function bindSlider(model, name, control, redraw) {
  control.onInput((value) => { model.set(name, value); model.save_changes(); redraw(); });
  model.on(`change:${name}`, () => { control.set(model.get(name)); redraw(); });
}

export function bindChoice(model, name, control, redraw) {
  control.onChange((value) => { model.set(name, value); model.save_changes(); redraw(); });
  model.on(`change:${name}`, () => { control.set(model.get(name)); redraw(); });
}

// A number as Python formats it with f"{value:.{digits}g}" (so a page and its notebook agree).
export function formatG(value, digits = 3) {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exponentText] = value.toExponential(digits - 1).split("e");
  const exponent = Number(exponentText);
  const strip = (text) => (text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text);
  if (exponent < -4 || exponent >= digits) {
    const sign = exponent < 0 ? "-" : "+";
    return `${strip(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return strip(value.toFixed(Math.max(0, digits - 1 - exponent)));
}
