// Grading page enhancement: shows the running total of the chosen rubric levels.
// Without JavaScript the server computes the points when the grading is saved.
// The (translated) texts come from data attributes rendered by the template.
(function () {
  "use strict";
  var form = document.querySelector(".grading-form");
  if (!form) { return; }
  var out = form.querySelector(".points-live");
  var box = form.querySelector(".points-total");
  var comma = document.documentElement.lang === "de";
  function format(n) { return comma ? String(n).replace(".", ",") : String(n); }
  function update() {
    var total = 0, chosen = 0, groups = form.querySelectorAll("fieldset.criterion");
    groups.forEach(function (group) {
      var checked = group.querySelector("input[type=radio]:checked");
      if (checked) { total += parseFloat(checked.getAttribute("data-points")) || 0; chosen += 1; }
    });
    var pass = parseFloat(box.getAttribute("data-pass")) || 0;
    var text = box.getAttribute("data-selected").replace("{points}", format(total));
    if (chosen === groups.length) {
      text += " " + box.getAttribute(total >= pass ? "data-reached" : "data-missed");
    }
    out.textContent = text;
  }
  form.addEventListener("change", update);
  update();
})();
