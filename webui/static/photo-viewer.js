// The report's photos in an in-page viewer: a thumbnail opens a modal <dialog> with the photo, previous/next
// buttons (and the arrow keys), Esc or "Close" to leave; focus returns to the thumbnail. Without JavaScript the
// thumbnails link to each photo's page (never to the raw file).
(function () {
  'use strict';
  var viewer = document.getElementById('photo-viewer');
  if (!viewer || typeof viewer.showModal !== 'function') {
    return;
  }
  var links = Array.prototype.slice.call(document.querySelectorAll('a.photo-link'));
  var image = document.getElementById('photo-viewer-image');
  var caption = document.getElementById('photo-viewer-caption');
  var current = 0;
  var opener = null;

  function show(index) {
    current = (index + links.length) % links.length;
    var link = links[current];
    image.src = link.getAttribute('data-full');
    image.alt = link.getAttribute('data-caption');
    caption.textContent = link.getAttribute('data-caption');
  }

  links.forEach(function (link, index) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      opener = link;
      show(index);
      viewer.showModal();
      viewer.querySelector('[data-viewer="close"]').focus();
    });
  });
  viewer.addEventListener('click', function (event) {
    var action = event.target.closest ? event.target.closest('[data-viewer]') : null;
    if (!action) {
      return;
    }
    var what = action.getAttribute('data-viewer');
    if (what === 'prev') {
      show(current - 1);
    } else if (what === 'next') {
      show(current + 1);
    } else {
      viewer.close();
    }
  });
  viewer.addEventListener('keydown', function (event) {
    if (event.key === 'ArrowLeft') {
      show(current - 1);
    } else if (event.key === 'ArrowRight') {
      show(current + 1);
    }
  });
  viewer.addEventListener('close', function () {
    image.removeAttribute('src');
    if (opener) {
      opener.focus();
    }
  });
  var single = links.length < 2;
  viewer.querySelectorAll('[data-viewer="prev"], [data-viewer="next"]').forEach(function (button) {
    button.hidden = single;
  });
}());
