// The printable case file: the Print button opens the browser's print dialog.
(function () {
  "use strict";
  const button = document.getElementById("print-button");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
})();
