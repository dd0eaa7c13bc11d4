// "Meine Downloads" status page: fetches the changing part of the page until the file is ready
// (or failed) and puts it in place, so the progress moves and the download link appears without
// a reload. Without JavaScript the page has an "Aktualisieren" link. Changes of state (not every
// progress step) are announced through the polite live region.
(function () {
  "use strict";
  var box = document.getElementById("export-status");
  var announce = document.getElementById("export-announce");
  if (!box || !announce || !window.fetch) { return; }
  var url = box.getAttribute("data-fragment-url");
  var delay = parseInt(box.getAttribute("data-poll"), 10) || 1500;
  function state(root) {
    var node = root.querySelector(".export-state");
    return node ? node.getAttribute("data-status") : "";
  }
  function poll() {
    if (state(box) !== "working") { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var before = state(box);
        var parsed = new DOMParser().parseFromString(html, "text/html");
        var next = parsed.querySelector(".export-state");
        if (!next) { return; }
        box.replaceChildren(document.importNode(next, true));
        if (state(box) !== before) { announce.textContent = next.getAttribute("data-announce") || ""; }
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, delay * 4); });
  }
  window.setTimeout(poll, delay);
})();
