// Shared by the studio's diagram and table editors: the status line, counted texts, and sending a modeler's XML
// to the server for its JSON answer.
window.studioSay = function (text, kind) {
  const status = document.getElementById("editor-status");
  status.className = "alert py-2 mb-2 alert-" + (kind || "info");
  status.textContent = text;
  status.hidden = false;
};

window.studioCount = function (template, n) { return template.replace("{count}", String(n)); };

window.studioPostXml = async function (modeler, url, csrf) {
  const { xml } = await modeler.saveXML({ format: true });
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/xml; charset=utf-8", "X-CSRFToken": csrf, "Accept": "application/json" },
    body: xml,
  });
  let body;
  try { body = await response.json(); } catch (err) { body = { error: response.status + " " + response.statusText }; }
  return { ok: response.ok, body };
};
