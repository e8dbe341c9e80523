// The inbox rows refresh every minute while the page is visible, with the filters in force (the rows element
// listens for "inbox-refresh" through htmx). A file, not an inline trigger filter: the CSP allows no eval.
// On wide screens the filters are shown unfolded (on phones they stay folded unless a filter is in force).
(function () {
  'use strict';
  var panel = document.getElementById('inbox-filter-panel');
  if (panel && window.matchMedia && window.matchMedia('(min-width: 576px)').matches) {
    panel.open = true;
  }
}());
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
