// Upload a form's file with XHR, so that a <progress> bar shows the upload, then show the
// server's answer (the import's result or its problems, rendered by the server) in place.
// Without JavaScript the form posts as usual and the server answers with a whole page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var bar = form.querySelector("progress");
    var percent = form.querySelector("[aria-live]");
    var result = document.getElementById(form.dataset.result);
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("X-Sceau-Fragment", "1");
      function show(value) {
        bar.value = value;
        percent.textContent = value + " %";
      }
      bar.parentElement.hidden = false;
      show(0);
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          // The last percent waits for the server's answer: the import is not done yet.
          show(Math.min(99, Math.floor((e.loaded / e.total) * 100)));
        }
      });
      xhr.addEventListener("load", function () {
        button.disabled = false;
        if (xhr.status === 200) {
          show(100);
        }
        result.innerHTML = xhr.responseText;
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        result.textContent = form.dataset.failed || "";
      });
      xhr.send(new FormData(form));
    });
  });
});
