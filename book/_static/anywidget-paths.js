/* Map the AMD module name "anywidget" to the vendored copy of its front end
 * (scripts/vendor_assets.sh copies node_modules/anywidget/dist/index.js to
 * _static/anywidget/index.js). Loaded after require.js and before
 * html-manager/embed-amd.js (nb_ipywidgets_js in _config.yml): without the mapping the
 * manager would fetch the module from a CDN, and the site must work offline.
 */
(function () {
  "use strict";
  var base = new URL("anywidget/", document.currentScript.src).href;
  window.require.config({ paths: { anywidget: base + "index" } });
})();
