// The inbox rows refresh every minute while the page is visible, with the filters in force (the rows element
// listens for "inbox-refresh" through htmx). A file, not an inline trigger filter: the CSP allows no eval.
(function () {
  'use strict';
  var rows = document.getElementById('inbox-rows');
  if (!rows || !window.htmx) {
    return;
  }
  setInterval(function () {
    if (document.visibilityState === 'visible') {
      window.htmx.trigger(rows, 'inbox-refresh');
    }
  }, 60000);
}());
