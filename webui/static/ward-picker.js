// The portal's ward field: a search box above the plain <select> (which works on its own without JavaScript).
// Typing filters the wards, communes and the special zone by name, ignoring accents and case ("ben thanh" finds
// "Phường Bến Thành"); a single match is selected. A file, not inline script: the CSP allows none.
(function () {
  'use strict';
  var form = document.getElementById('report-form');
  var select = form && form.querySelector('select[name="ward"]');
  if (!select) {
    return;
  }
  function fold(text) {
    return text.replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .toLowerCase().replace(/\s+/g, ' ').trim();
  }
  var search = document.createElement('input');
  search.type = 'search';
  search.id = 'ward-search';
  search.className = 'form-control mb-1';
  search.placeholder = form.getAttribute('data-ward-search') || '';
  search.setAttribute('aria-label', search.placeholder);
  search.setAttribute('aria-controls', select.id);
  search.autocomplete = 'off';
  select.parentNode.insertBefore(search, select);
  var options = Array.prototype.slice.call(select.options).filter(function (o) { return o.value; });
  var names = options.map(function (o) { return fold(o.text); });
  search.addEventListener('input', function () {
    var wanted = fold(search.value);
    var matches = [];
    options.forEach(function (option, i) {
      var hit = names[i].indexOf(wanted) !== -1;
      option.hidden = !hit;
      option.disabled = !hit && !option.selected;
      if (hit) {
        matches.push(option);
      }
    });
    if (matches.length === 1) {
      matches[0].selected = true;
    }
  });
}());
