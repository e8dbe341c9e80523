// Process studio, one version: its diagram with, per task, how many cases wait there and how many are near or
// past their deadline (green / amber / red badges), refreshed every 30 seconds.
(function () {
  "use strict";
  const box = document.getElementById("live-diagram");
  if (!box || !window.BpmnJS) { return; }
  const labels = JSON.parse(box.dataset.labels);
  const viewer = new window.BpmnJS({ container: box });

  function badge(kind, n, label) {
    const span = document.createElement("span");
    span.className = "studio-count studio-count-" + kind;
    span.dataset.kind = kind;
    span.textContent = String(n);
    span.title = n + " " + label;
    return span;
  }

  function draw(counts) {
    const overlays = viewer.get("overlays");
    const registry = viewer.get("elementRegistry");
    overlays.remove({ type: "live-count" });
    for (const [id, c] of Object.entries(counts)) {
      if (!registry.get(id) || !c.waiting) { continue; }
      const html = document.createElement("div");
      html.className = "studio-counts";
      html.dataset.elementId = id;
      const onTime = c.waiting - c.near - c.overdue;
      html.append(badge("ok", c.waiting, labels.waiting));
      if (c.near) { html.append(badge("near", c.near, labels.near)); }
      if (c.overdue) { html.append(badge("overdue", c.overdue, labels.overdue)); }
      html.title = [onTime + " " + labels.waiting, c.near + " " + labels.near, c.overdue + " " + labels.overdue].join(", ");
      overlays.add(id, "live-count", { position: { bottom: 10, right: 10 }, scale: { min: 1 }, html });
    }
  }

  function refresh() {
    return fetch(box.dataset.live, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then(draw);
  }

  fetch(box.dataset.diagram, { credentials: "same-origin" })
    .then((response) => response.text())
    .then((xml) => viewer.importXML(xml))
    .then(() => { viewer.get("canvas").zoom("fit-viewport"); return refresh(); })
    .then(() => {
      box.dataset.ready = "1";
      window.setInterval(refresh, 30000);
    })
    .catch((err) => {
      box.textContent = labels.error + " " + err;
      box.dataset.ready = "error";
    });
})();
