// "My reports": the tracking codes of the reports sent from this device, kept in this browser's localStorage
// (never on the server). The receipt page saves its code; /track lists the saved codes, each with its status
// and time left (one lookup per code at /track/status.json, within the portal's lookup budget), and a button
// to remove one. A file, not inline script: the CSP allows none. Without JavaScript the page says so.
(function () {
  'use strict';
  var KEY = 'rr.myReports';
  var MAX = 30;

  function load() {
    try {
      var list = JSON.parse(window.localStorage.getItem(KEY) || '[]');
      return Array.isArray(list) ? list.filter(function (item) {
        return item && typeof item.code === 'string' && /^[A-Z0-9]{5}-[A-Z0-9]{5}$/.test(item.code);
      }) : [];
    } catch (e) {
      return null; // storage disabled (private mode, policy): nothing to show
    }
  }

  function store(list) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX)));
      return true;
    } catch (e) {
      return false;
    }
  }

  // the receipt page: remember this report's code on this device
  var receipt = document.querySelector('[data-my-report]');
  if (receipt) {
    var code = receipt.getAttribute('data-my-report');
    var saved = load();
    if (saved !== null) {
      saved = saved.filter(function (item) { return item.code !== code; });
      saved.unshift({code: code, saved: new Date().toISOString()});
      if (store(saved)) {
        var note = document.getElementById('saved-on-device');
        if (note) { note.hidden = false; }
      }
    }
  }

  // the track page: list the saved reports
  var section = document.getElementById('my-reports');
  if (!section) {
    return;
  }
  var text = function (name) { return section.getAttribute('data-text-' + name) || ''; };
  var list = document.getElementById('my-reports-list');
  var empty = document.getElementById('my-reports-empty');
  var noJs = document.getElementById('my-reports-nojs');
  var heading = document.getElementById('my-reports-title');
  if (noJs) { noJs.hidden = true; }
  var reports = load();
  if (reports === null) {
    empty.textContent = text('no-storage');
    empty.hidden = false;
    return;
  }

  function showEmpty() {
    var none = list.children.length === 0;
    empty.hidden = !none;
    list.hidden = none;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  function remove(code, item) {
    store((load() || []).filter(function (entry) { return entry.code !== code; }));
    item.remove();
    showEmpty();
    heading.focus();
  }

  function row(code) {
    var item = el('li', 'list-group-item my-report');
    item.setAttribute('data-code', code);
    var top = el('div', 'd-flex justify-content-between align-items-start gap-2 flex-wrap');
    var link = el('a', 'report-code fw-semibold', code);
    link.href = section.getAttribute('data-track-url') + '?code=' + encodeURIComponent(code);
    var button = el('button', 'btn btn-sm btn-outline-secondary my-report-remove', text('remove'));
    button.type = 'button';
    button.setAttribute('aria-label', text('remove') + ' ' + code);
    button.addEventListener('click', function () { remove(code, item); });
    top.appendChild(link);
    top.appendChild(button);
    var details = el('div', 'small mt-1 my-report-status', text('loading'));
    details.setAttribute('aria-live', 'polite');
    item.appendChild(top);
    item.appendChild(details);
    list.appendChild(item);
    return details;
  }

  function fill(details, data) {
    details.textContent = '';
    var status = el('span', 'badge bg-secondary me-2', data.status_label);
    details.appendChild(status);
    if (data.time_text) {
      var due = el('span', 'due-badge me-2 ' + (data.deadline_kind === 'handled' ? 'handled ' : '') + data.time_css,
        data.time_text);
      details.appendChild(due);
    }
    var what = [data.category_label, data.facility].filter(Boolean).join(' — ');
    details.appendChild(el('div', 'text-muted', what + (data.received ? ' · ' + text('sent') + ' ' + data.received : '')));
    if (data.can_rate) {
      details.appendChild(el('div', 'fw-semibold', text('can-rate')));
    }
  }

  function lookup(entries, index) {
    if (index >= entries.length) {
      return;
    }
    var details = entries[index].details;
    var url = section.getAttribute('data-status-url') + '?code=' + encodeURIComponent(entries[index].code);
    fetch(url, {headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
      .then(function (response) {
        if (response.status === 429) { throw new Error('busy'); }
        return response.json().then(function (data) { return {ok: response.ok, data: data}; });
      })
      .then(function (answer) {
        if (answer.ok) {
          fill(details, answer.data);
        } else {
          details.textContent = text('not-found');
        }
        lookup(entries, index + 1);
      })
      .catch(function (error) {
        details.textContent = error && error.message === 'busy' ? text('busy') : text('failed');
        for (var i = index + 1; i < entries.length; i++) { entries[i].details.textContent = text('busy'); }
      });
  }

  var entries = reports.map(function (item) { return {code: item.code, details: row(item.code)}; });
  showEmpty();
  lookup(entries, 0);
}());
