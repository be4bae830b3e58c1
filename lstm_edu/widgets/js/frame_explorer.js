// A precomputed view: pictures drawn by lstm_edu when the notebook ran, one per point of a
// small grid of control values, switched by labelled native sliders. For the application
// pages where computing in the page would not help a reader (a trained model's whole test
// set, a spectrogram); the chapters' explorers compute live instead.
import { element, explorerRoot, readout, uniqueId } from "./controls.js";

function frameIndex(controls, positions) {
  let index = 0;
  controls.forEach((control, k) => { index = index * control.values.length + positions[k]; });
  return index;
}

function render({ model, el }) {
  const root = explorerRoot(el, "lstm-frame-explorer");
  const controls = model.get("controls");
  const box = element("div", { className: "lstm-controls" }, root);
  const image = element("img", { className: "lstm-frame", alt: "" }, root);
  const out = readout(root);
  const inputs = controls.map((control, k) => {
    const row = element("div", { className: "lstm-control" }, box);
    const id = uniqueId("lstm-frame-slider");
    element("label", { for: id, text: control.label }, row);
    const input = element("input", { type: "range", id, min: 0, max: control.values.length - 1, step: 1,
                                      value: model.get("positions")[k] }, row);
    const output = element("output", { for: id, "aria-hidden": "true" }, row);
    return { input, output, control };
  });
  const show = () => {
    const positions = model.get("positions");
    inputs.forEach(({ input, output, control }, k) => {
      input.value = String(positions[k]);
      output.textContent = control.values[positions[k]];
      input.setAttribute("aria-valuetext", control.values[positions[k]]);
    });
    const index = frameIndex(controls, positions);
    image.src = `data:image/png;base64,${model.get("frames")[index]}`;
    const summary = model.get("summaries")[index];
    image.alt = `${model.get("alt")} ${summary}`.trim();
    out.textContent = summary;
    out.dataset.frame = String(index);
  };
  inputs.forEach(({ input }, k) => input.addEventListener("input", () => {
    const positions = [...model.get("positions")];
    positions[k] = Number(input.value);
    model.set("positions", positions);
    model.save_changes();
    show();
  }));
  model.on("change:positions", show);
  show();
}

export default { render };
