// Case page: show the case's process version in the bpmn-js viewer, open tasks in blue, the done path in green.
(function () {
  const box = document.getElementById("diagram");
  if (!box || !window.BpmnJS) { return; }
  const viewer = new window.BpmnJS({ container: box });
  Promise.all([
    fetch(box.dataset.diagram, { credentials: "same-origin" }).then((r) => r.text()),
    fetch(box.dataset.state, { credentials: "same-origin" }).then((r) => r.json()),
  ]).then(async ([xml, state]) => {
    await viewer.importXML(xml);
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    for (const id of state.completed) { if (registry.get(id)) { canvas.addMarker(id, "bpmn-done"); } }
    for (const id of state.active) { if (registry.get(id)) { canvas.addMarker(id, "bpmn-active"); } }
    const current = state.active.map((id) => registry.get(id)).find(Boolean);
    if (current) {  // readable size around where the case is now; the whole procedure is one scroll away
      canvas.zoom(0.8);
      canvas.scrollToElement(current, { top: 120, bottom: 120, left: 200, right: 200 });
    }
    box.dataset.ready = "1";
  }).catch((err) => {
    box.textContent = (box.dataset.error || "Could not show the diagram:") + " " + err;
    box.dataset.ready = "error";
  });
})();
