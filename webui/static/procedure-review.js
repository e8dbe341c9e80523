// The quarterly review of the procedure: every diagram of the page gets the figures of the table below it
// (passes, median and p90 wait, timers fired) as overlays. The table is the source: without JavaScript it is
// the page.
(function () {
  "use strict";
  if (!window.BpmnJS) { return; }

  function badge(kind, text, title) {
    const span = document.createElement("span");
    span.className = "review-badge review-badge-" + kind;
    span.dataset.kind = kind;
    span.textContent = text;
    span.title = title;
    return span;
  }

  function figures(row, labels) {
    const box = document.createElement("div");
    box.className = "review-figures";
    box.dataset.elementId = row.dataset.element;
    const passes = Number(row.dataset.passes || 0);
    if (row.dataset.kind === "timer") {
      box.append(badge("timer", passes + "×", labels.fired + " " + passes + "×"));
      return box;
    }
    box.append(badge("passes", String(passes), labels.passes + ": " + passes));
    if (row.dataset.median) {
      const text = row.dataset.median + " / " + row.dataset.p90 + " h";
      box.append(badge("wait", text, labels.median + " " + row.dataset.median + " h, " + labels.p90 + " " + row.dataset.p90 + " h"));
    }
    if (row.dataset.small) { box.append(badge("small", "n<5", labels.small)); }
    return box;
  }

  function draw(viewer, table, labels) {
    const overlays = viewer.get("overlays");
    const registry = viewer.get("elementRegistry");
    for (const row of table.querySelectorAll("tr[data-element]")) {
      if (!registry.get(row.dataset.element) || !Number(row.dataset.passes)) { continue; }  // nothing passed
      overlays.add(row.dataset.element, "review-figures", {
        position: { bottom: 0, left: 0 }, scale: { min: 0.8 }, html: figures(row, labels),
      });
    }
  }

  for (const box of document.querySelectorAll(".review-diagram")) {
    const labels = JSON.parse(box.dataset.labels);
    const table = document.getElementById(box.dataset.table);
    const viewer = new window.BpmnJS({ container: box });
    fetch(box.dataset.diagram, { credentials: "same-origin" })
      .then((response) => response.text())
      .then((xml) => viewer.importXML(xml))
      .then(() => {
        viewer.get("canvas").zoom("fit-viewport");
        if (table) { draw(viewer, table, labels); }
        box.dataset.ready = "1";
      })
      .catch((err) => {
        box.textContent = labels.error + " " + err;
        box.dataset.ready = "error";
      });
  }
})();
