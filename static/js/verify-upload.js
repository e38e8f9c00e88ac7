// The home page's upload: a drop zone around the real file input, and the size check before
// sending (the limit and its message come from the form's data attributes: no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("verify-form");
  var input = document.getElementById("file");
  var status = document.getElementById("file-status");
  if (!form || !input || !status) { return; }
  var zone = input.closest(".dropzone");
  var limit = parseInt(form.dataset.maxBytes, 10);

  function tooLarge() {
    var file = input.files && input.files[0];
    return Boolean(file && limit > 0 && file.size > limit);
  }
  function check() {
    if (tooLarge()) {
      status.textContent = form.dataset.tooLarge;
      status.hidden = false;
      input.setAttribute("aria-invalid", "true");
      return false;
    }
    status.textContent = "";
    status.hidden = true;
    input.removeAttribute("aria-invalid");
    return true;
  }
  input.addEventListener("change", check);
  form.addEventListener("submit", function (event) {
    if (!check()) {
      event.preventDefault();
      input.focus();
    }
  });
  if (!zone) { return; }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      check();
    }
  });
});
