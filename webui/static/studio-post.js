// Shared by the studio's diagram and table editors: send a modeler's XML to the server, get its JSON answer.
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
