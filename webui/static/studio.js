// Process studio editor: the bpmn-js Modeler, a small properties panel (name, script, timer, condition, form),
// save (and the "last saved" indicator) / validate / deploy (after the confirmation dialog), and the problems the
// server finds shown as a list and on the diagram. A deployed draft opens in the viewer, read-only.
(function () {
  "use strict";
  const box = document.getElementById("modeler");
  if (!box || !window.BpmnJS) { return; }
  const readOnly = box.dataset.readonly === "1";

  const SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  const TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];
  const texts = JSON.parse(document.getElementById("studio-texts").textContent);
  const $ = (id) => document.getElementById(id);
  const modeler = new window.BpmnJS({ container: box });
  let selected = null;
  let marked = [];

  // ---- messages ---------------------------------------------------------------------------------------------

  const say = window.studioSay;
  const count = window.studioCount;

  /** A button that starts a new draft from the version this draft was deployed as (after a refused save). */
  function offerNewDraft(url, number) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = url;
    form.className = "d-inline ms-2";
    form.id = "status-new-draft";
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = box.dataset.csrf;
    const button = document.createElement("button");
    button.type = "submit";
    button.className = "btn btn-primary btn-sm";
    button.textContent = texts.newDraft.replace("{number}", String(number));
    form.append(token, button);
    $("editor-status").append(form);
    const state = $("draft-state");  // the draft was deployed meanwhile: its badge says so too
    state.className = "badge bg-secondary";
    state.dataset.state = "deployed";
    state.dataset.version = String(number);
    state.textContent = texts.deployedAs.replace("{number}", String(number));
  }

  function setDirty(value) {
    box.dataset.dirty = value ? "1" : "0";
    $("unsaved").hidden = !value;
  }

  // ---- problems on the diagram ------------------------------------------------------------------------------

  function describe(problem) {
    const where = [problem.element_name || problem.element_id, problem.line && texts.line + " " + problem.line]
      .filter(Boolean).join(", ");
    return where ? where + ": " + problem.message : problem.message;
  }

  function showProblems(problems) {
    const overlays = modeler.get("overlays");
    const registry = modeler.get("elementRegistry");
    const canvas = modeler.get("canvas");
    overlays.remove({ type: "studio-problem" });
    marked.forEach((id) => { if (registry.get(id)) { canvas.removeMarker(id, "studio-problem"); } });
    marked = [];
    const list = $("problems");
    list.replaceChildren();
    $("problem-count").textContent = String(problems.length);
    const onDiagram = {};
    for (const problem of problems) {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-danger small";
      item.dataset.elementId = problem.element_id || "";
      item.textContent = describe(problem);
      const here = !problem.file || problem.file === box.dataset.file;
      const element = here && problem.element_id ? registry.get(problem.element_id) : null;
      if (element) {
        (onDiagram[element.id] = onDiagram[element.id] || []).push(problem.message);
        item.classList.add("studio-problem-link");
        item.addEventListener("click", () => {
          modeler.get("selection").select(element);
          canvas.scrollToElement(element);
        });
      }
      list.append(item);
    }
    if (!problems.length) {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-success small";
      item.textContent = texts.noProblems;
      list.append(item);
    }
    for (const [id, messages] of Object.entries(onDiagram)) {
      canvas.addMarker(id, "studio-problem");
      marked.push(id);
      const badge = document.createElement("div");
      badge.className = "studio-problem-badge";
      badge.textContent = messages.join(" · ");
      overlays.add(id, "studio-problem", { position: { top: -16, left: 0 }, scale: { min: 0.9 }, html: badge });
    }
  }

  // ---- talking to the server --------------------------------------------------------------------------------

  const postXml = (url) => window.studioPostXml(modeler, url, box.dataset.csrf);

  /** Save the modeler's XML into the draft; true when saved (problems or not). */
  async function save() {
    say(texts.saving);
    try {
      const { ok, body } = await postXml(box.dataset.save);
      showProblems(body.problems || []);
      if (ok && body.saved) {
        setDirty(false);
        const last = $("last-saved");
        last.textContent = body.last_saved;
        last.dataset.savedAt = body.saved_at;
        const n = (body.problems || []).length;
        say(n ? count(texts.savedWithProblems, n) : texts.saved, n ? "warning" : "success");
        return { saved: true, problems: n };
      }
      say([texts.notSaved, body.error || "", texts.editsKept].join(" "), "danger");
      if (body.new_draft) { offerNewDraft(body.new_draft, body.deployed_as); }
    } catch (err) {
      say(texts.failed + " " + err + " " + texts.editsKept, "danger");
    }
    return { saved: false, problems: -1 };
  }

  async function validate() {
    try {
      const { body } = await postXml(box.dataset.validate);
      const problems = body.problems || [];
      showProblems(problems);
      say(problems.length ? count(texts.invalid, problems.length) : texts.valid, problems.length ? "warning" : "success");
    } catch (err) {
      say(texts.failed + " " + err, "danger");
    }
  }

  /** The deploy confirmation (problems, running cases, what changes) in a dialog; the page without it. */
  async function confirmDeploy(form) {
    const url = form.dataset.dialog + "&note=" + encodeURIComponent($("deploy-note").value);
    let content = null;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      const html = response.ok ? await response.text() : "";
      content = new DOMParser().parseFromString(html, "text/html").getElementById("deploy-confirmation");
    } catch (err) {
      content = null;
    }
    if (!content || !window.bootstrap) { form.submit(); return; }  // the confirmation page says the same
    $("deploy-dialog-body").replaceChildren(document.adoptNode(content));
    window.bootstrap.Modal.getOrCreateInstance($("deploy-dialog")).show();
  }

  if (!readOnly) {
    $("save-draft").addEventListener("click", save);
    $("validate-draft").addEventListener("click", validate);
    $("deploy-form").addEventListener("submit", async (event) => {
      event.preventDefault();  // save what is on screen first, then confirm what deploying it does
      const result = await save();
      if (result.saved) { await confirmDeploy(event.target); }
    });
  }

  // ---- the properties panel ---------------------------------------------------------------------------------

  function is(bo, type) { return Boolean(bo && bo.$instanceOf && bo.$instanceOf(type)); }

  function timerOf(bo) {
    return (bo.eventDefinitions || []).find((d) => is(d, "bpmn:TimerEventDefinition")) || null;
  }

  /** The local name of a spiffworkflow extension element (they come through as generic moddle elements). */
  function spiffName(node) {
    const ns = node && node.$descriptor && node.$descriptor.ns;
    if (ns && ns.uri === SPIFF) { return ns.localName; }
    return node && typeof node.$type === "string" && node.$type.startsWith("spiffworkflow:")
      ? node.$type.split(":")[1] : null;
  }

  function spiffProperties(bo) {
    const ext = bo.extensionElements;
    return ext ? (ext.values || []).find((v) => spiffName(v) === "properties") || null : null;
  }

  function formProperty(bo) {
    const holder = spiffProperties(bo);
    return holder ? (holder.$children || []).find(
      (c) => spiffName(c) === "property" && c.name === "formJsonSchemaFilename") || null : null;
  }

  function show(element) {
    selected = element;
    const form = $("prop-form");
    if (!element) {
      form.hidden = true;
      $("prop-empty").hidden = false;
      return;
    }
    const bo = element.businessObject;
    form.hidden = false;
    $("prop-empty").hidden = true;
    form.dataset.elementId = bo.id;
    $("prop-type").textContent = bo.$type.replace(/^bpmn:/, "");
    $("prop-id").textContent = bo.id;
    $("prop-name").value = bo.name || "";
    $("prop-script-group").hidden = !is(bo, "bpmn:ScriptTask");
    $("prop-script").value = bo.script || "";
    const timer = timerOf(bo);
    $("prop-timer-group").hidden = !timer;
    if (timer) {
      const kind = TIMER_KINDS.find((k) => timer[k]) || "timeDuration";
      $("prop-timer-kind").value = kind;
      $("prop-timer").value = timer[kind] ? timer[kind].body || "" : "";
    }
    $("prop-condition-group").hidden = !is(bo, "bpmn:SequenceFlow");
    $("prop-condition").value = bo.conditionExpression ? bo.conditionExpression.body || "" : "";
    $("prop-form-group").hidden = !is(bo, "bpmn:UserTask");
    const formProp = formProperty(bo);
    $("prop-form-name").value = formProp ? formProp.value || "" : "";
  }

  function applyTimer(element, timer, modeling, moddle) {
    const kind = $("prop-timer-kind").value;
    const text = $("prop-timer").value.trim();
    const current = timer[kind];
    if (current && TIMER_KINDS.every((k) => k === kind || !timer[k])) {
      if ((current.body || "") !== text) { modeling.updateModdleProperties(element, current, { body: text }); }
      return;
    }
    const change = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
    change[kind] = moddle.create("bpmn:FormalExpression", { body: text });
    modeling.updateModdleProperties(element, timer, change);
  }

  function applyCondition(element, bo, modeling, moddle) {
    const text = $("prop-condition").value.trim();
    const current = bo.conditionExpression;
    if (current && text && (current.body || "") !== text) {
      modeling.updateModdleProperties(element, current, { body: text });
    } else if (!current && text) {
      modeling.updateProperties(element, { conditionExpression: moddle.create("bpmn:FormalExpression", { body: text }) });
    } else if (current && !text) {
      modeling.updateProperties(element, { conditionExpression: undefined });
    }
  }

  function applyForm(element, bo, modeling, moddle) {
    const text = $("prop-form-name").value.trim();
    const current = formProperty(bo);
    if (current) {
      if ((current.value || "") !== text) { modeling.updateModdleProperties(element, current, { value: text }); }
      return;
    }
    if (!text) { return; }
    const property = moddle.createAny("spiffworkflow:property", SPIFF, { name: "formJsonSchemaFilename", value: text });
    const holder = spiffProperties(bo);
    if (holder) {
      modeling.updateModdleProperties(element, holder, { $children: [...(holder.$children || []), property] });
      return;
    }
    const properties = moddle.createAny("spiffworkflow:properties", SPIFF, { $children: [property] });
    if (bo.extensionElements) {
      modeling.updateModdleProperties(element, bo.extensionElements,
        { values: [...(bo.extensionElements.values || []), properties] });
    } else {
      modeling.updateProperties(element, { extensionElements: moddle.create("bpmn:ExtensionElements", { values: [properties] }) });
    }
  }

  function apply() {
    const element = selected;
    if (!element) { return; }
    const bo = element.businessObject;
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const changes = {};
    const name = $("prop-name").value.trim();
    if ((bo.name || "") !== name) { changes.name = name || undefined; }
    if (is(bo, "bpmn:ScriptTask") && (bo.script || "") !== $("prop-script").value) {
      changes.script = $("prop-script").value;
    }
    if (Object.keys(changes).length) { modeling.updateProperties(element, changes); }
    const timer = timerOf(bo);
    if (timer) { applyTimer(element, timer, modeling, moddle); }
    if (is(bo, "bpmn:SequenceFlow")) { applyCondition(element, bo, modeling, moddle); }
    if (is(bo, "bpmn:UserTask")) { applyForm(element, bo, modeling, moddle); }
    show(element);
    say(texts.applied);
  }

  $("prop-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (readOnly) { say(texts.readOnly, "secondary"); } else { apply(); }
  });
  $("prop-timer-kind").addEventListener("change", () => {
    const timer = selected && timerOf(selected.businessObject);
    const expression = timer && timer[$("prop-timer-kind").value];
    if (expression) { $("prop-timer").value = expression.body || ""; }
  });

  modeler.on("selection.changed", (event) => {
    const chosen = event.newSelection.length === 1 ? event.newSelection[0] : null;
    show(chosen && chosen.type === "label" ? chosen.labelTarget : chosen);
  });
  modeler.on("element.changed", (event) => {
    if (selected && event.element === selected && document.activeElement.closest("#prop-form") === null) {
      show(selected);  // renamed on the canvas: keep the panel in step
    }
  });
  if (!readOnly) { modeler.on("commandStack.changed", () => setDirty(true)); }
  window.addEventListener("beforeunload", (event) => {
    if (box.dataset.dirty === "1") { event.preventDefault(); event.returnValue = ""; }  // unsaved changes
  });

  // ---- loading ----------------------------------------------------------------------------------------------

  /** Fit the whole diagram in the canvas, beside the palette rather than under it. */
  function fitBesidePalette() {
    const canvas = modeler.get("canvas");
    canvas.zoom("fit-viewport");
    const palette = box.querySelector(".djs-palette");
    const pad = palette ? palette.getBoundingClientRect().right - box.getBoundingClientRect().left + 12 : 0;
    const { inner, outer } = canvas.viewbox();
    if (!inner.width || !inner.height) { return; }
    const scale = Math.min((outer.width - pad - 12) / inner.width, (outer.height - 24) / inner.height);
    canvas.viewbox({ x: inner.x - pad / scale, y: inner.y - 12 / scale, width: outer.width / scale,
                     height: outer.height / scale });
  }

  fetch(box.dataset.diagram, { credentials: "same-origin" })
    .then((response) => {
      if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
      return response.text();
    })
    .then((xml) => modeler.importXML(xml))
    .then(() => {
      fitBesidePalette();
      const initial = JSON.parse($("initial-problems").textContent);
      if (initial.length) { showProblems(initial); }  // e.g. a refused deployment
      setDirty(false);
      box.dataset.ready = "1";
    })
    .catch((err) => {
      say(texts.loadFailed + " " + err, "danger");
      box.dataset.ready = "error";
    });
})();
