/* Set-up for the ipywidgets HTML manager on the static site (loaded on widget pages only,
 * between require.js and html-manager/embed-amd.js; see nb_ipywidgets_js in _config.yml).
 *
 * 1. Fonts: each AMD module inside embed-amd.js (base, controls, html-manager, ...)
 *    computes where its icon fonts live from the URL require.js gives the module, by
 *    default <page folder>/@jupyter-widgets/..., which does not exist (404s). Map every
 *    one of them into the vendored folder _static/html-manager/, next to this file, where
 *    vendor_assets.sh copied the fonts. (The modules are defined inside embed-amd.js, so
 *    these URLs only name a folder; nothing is fetched from them.)
 * 2. MathJax: the widgets typeset their labels with the MathJax 2 call
 *    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the site loads MathJax 3,
 *    which has no Hub, so every widget page threw "reading 'Queue'". Provide that one
 *    call on top of MathJax 3's typesetPromise. Labels write math as $...$ (as in
 *    JupyterLab); the site's MathJax only knows \(...\), so the label's text is
 *    rewritten to that first.
 */
(function () {
  "use strict";
  var manager = new URL("html-manager/", document.currentScript.src).href; // .../_static/html-manager/
  var modules = ["base", "base7", "controls", "controls7", "html-manager"];
  var paths = { "@jupyter-widgets/html-manager/dist": manager.slice(0, -1) };
  modules.forEach(function (name) { paths["@jupyter-widgets/" + name] = manager + name; });
  window.require.config({ paths: paths });

  function dollarsToDelimiters(element) {
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      node.nodeValue = node.nodeValue
        .replace(/\$\$([^$]+)\$\$/g, "\\[$1\\]")
        .replace(/\$([^$]+)\$/g, "\\($1\\)");
    }
  }

  function queueTypeset() {
    var mathjax = window.MathJax;
    var elements = [];
    for (var i = 0; i < arguments.length; i++) {
      var item = arguments[i];
      if (Array.isArray(item) && item[0] === "Typeset" && item[2]) {
        dollarsToDelimiters(item[2]);
        elements.push(item[2]);
      }
    }
    if (!elements.length || !mathjax || !mathjax.startup || !mathjax.startup.promise) {
      return;
    }
    mathjax.startup.promise = mathjax.startup.promise
      .then(function () { return mathjax.typesetPromise(elements); })
      .catch(function (error) { console.warn("widget label typesetting failed:", error); });
  }

  // MathJax 3 replaces window.MathJax when its (deferred) script runs, before
  // DOMContentLoaded; the widgets render at "load", after this handler.
  document.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (mathjax && mathjax.version && mathjax.version.charAt(0) === "3" && !mathjax.Hub) {
      mathjax.Hub = { Queue: queueTypeset };
    }
  });
})();
