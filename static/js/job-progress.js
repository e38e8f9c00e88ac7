// The decision page's progress bar: polls the job's JSON record (same origin, session cookie)
// until the job ends, then reloads the page to list the credentials. No inline script: the
// Content-Security-Policy allows scripts from this origin only.
(function () {
  "use strict";
  var bar = document.getElementById("job-progress");
  if (!bar || !bar.dataset.url) { return; }
  var count = document.getElementById("job-count");
  var state = document.getElementById("job-state");
  var errors = document.getElementById("job-errors");
  var finished = { done: true, failed: true };
  if (finished[bar.dataset.state]) { return; }

  function show(job) {
    bar.max = Math.max(job.total, 1);
    bar.value = job.total ? job.done : (finished[job.state] ? 1 : 0);
    bar.textContent = job.done + " / " + job.total;
    bar.dataset.state = job.state;
    if (count) { count.textContent = job.done + " / " + job.total; }
    if (state) { state.textContent = job.label; state.dataset.state = job.state; }
    if (errors) {
      errors.replaceChildren.apply(errors, job.errors.map(function (error) {
        var item = document.createElement("li");
        item.textContent = (error.item ? error.item + " — " : "") + error.message;
        return item;
      }));
    }
  }

  function poll() {
    fetch(bar.dataset.url, {
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        // Signed out (a redirect to the sign-in page) or no such job: polling would not help.
        if (response.type === "opaqueredirect" || (response.status >= 400 && response.status < 500)) {
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (job) {
        if (job === null) { return; }
        show(job);
        if (finished[job.state]) {
          window.setTimeout(function () { window.location.reload(); }, 600);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
