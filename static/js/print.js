// The annual report's "Print" button (no inline handler: the CSP allows this origin's files).
(function () {
  "use strict";
  var button = document.getElementById("print");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
