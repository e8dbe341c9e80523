// Process studio: a draft's decision table (DMN) edited with dmn-js, saved into the draft and validated by the
// server with the whole draft; problems are listed by table and rule.
(function () {
  "use strict";
  const box = document.getElementById("dmn-editor");
  if (!box || !window.DmnJS) { return; }

  const texts = JSON.parse(document.getElementById("studio-texts").textContent);
  const $ = (id) => document.getElementById(id);
  const modeler = new window.DmnJS({ container: box });

  const say = window.studioSay;
  const count = window.studioCount;

  function setDirty(value) {
    box.dataset.dirty = value ? "1" : "0";
    $("unsaved").hidden = !value;
  }

  function showProblems(problems) {
    const list = $("problems");
    list.replaceChildren();
    $("problem-count").textContent = String(problems.length);
    for (const problem of problems) {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-danger small";
      item.dataset.elementId = problem.element_id || "";
      const where = [problem.file, problem.element_name, problem.element_id].filter(Boolean).join(" · ");
      item.textContent = where ? where + ": " + problem.message : problem.message;
      list.append(item);
    }
    if (!problems.length) {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-success small";
      item.textContent = texts.noProblems;
      list.append(item);
    }
  }

  const postXml = (url) => window.studioPostXml(modeler, url, box.dataset.csrf);

  $("save-table").addEventListener("click", async () => {
    say(texts.saving);
    try {
      const { ok, body } = await postXml(box.dataset.save);
      if (!ok) {
        say(texts.notSaved + " " + (body.error || ""), "danger");
        showProblems(body.problems || []);
        return;
      }
      setDirty(false);
      showProblems(body.problems || []);
      say(body.problems.length ? count(texts.savedWithProblems, body.problems.length) : texts.saved,
          body.problems.length ? "warning" : "success");
    } catch (err) {
      say(texts.failed + " " + err.message, "danger");
    }
  });

  $("validate-table").addEventListener("click", async () => {
    try {
      const { ok, body } = await postXml(box.dataset.validate);
      const problems = body.problems || [];
      showProblems(problems);
      if (!ok) { say(texts.failed + " " + (body.error || ""), "danger"); return; }
      say(problems.length ? count(texts.invalid, problems.length) : texts.valid, problems.length ? "warning" : "success");
    } catch (err) {
      say(texts.failed + " " + err.message, "danger");
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (box.dataset.dirty === "1") { event.preventDefault(); event.returnValue = ""; }
  });

  function watchChanges() {
    const viewer = modeler.getActiveViewer();
    if (viewer) { viewer.get("eventBus").on("elements.changed", () => setDirty(true)); }
  }

  fetch(box.dataset.table, { credentials: "same-origin" })
    .then((response) => {
      if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
      return response.text();
    })
    .then((xml) => modeler.importXML(xml))
    .then(() => {
      // open the decision table itself, not the requirements diagram around it
      const table = modeler.getViews().find((view) => view.type === "decisionTable");
      return table ? modeler.open(table) : null;
    })
    .then(() => {
      watchChanges();
      setDirty(false);
      box.dataset.ready = "1";
    })
    .catch((err) => say(texts.loadFailed + " " + err.message, "danger"));
}());
