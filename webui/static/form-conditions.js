// Task forms: a field its form marks "x-only-when-required" carries data-shown-when (webui/formrender.py
// `conditions`): the answers that require it, by field. It is shown while one of them is chosen; hidden, its inputs
// are disabled, so nothing typed into it is sent. Without JavaScript every field is shown.
(function () {
  "use strict";
  document.querySelectorAll("form").forEach(function (form) {
    var boxes = form.querySelectorAll("[data-shown-when]");
    if (!boxes.length) { return; }
    function chosen(name) {
      var values = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name || el.disabled) { return; }
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.checked) { values.push(el.value); }
        } else if (el.value) {
          values.push(el.value);
        }
      });
      return values;
    }
    function update() {
      boxes.forEach(function (box) {
        var when = JSON.parse(box.getAttribute("data-shown-when"));
        var shown = Object.keys(when).some(function (name) {
          return chosen(name).some(function (value) { return when[name].indexOf(value) !== -1; });
        });
        box.hidden = !shown;
        box.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !shown; });
      });
    }
    form.addEventListener("change", update);
    update();
  });
})();
