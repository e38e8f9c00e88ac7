// The statistics page's two bar charts (Chart.js, vendored), drawn from the JSON the server
// puts in <script type="application/json" id="chart-data">: no inline script, no CDN.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colour = "#003189";

  function bars(id, labels, values, label, max) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var y = { beginAtZero: true, ticks: { precision: 0 } };
    if (max) { y.max = max; }
    canvas.chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: label, data: values, backgroundColor: colour }] },
      options: { animation: false, responsive: true, scales: { y: y }, plugins: { legend: { display: false } } }
    });
  }

  bars("chart-distribution", data.distribution.labels, data.distribution.counts, data.text.count);
  bars("chart-assessments", data.assessments.labels, data.assessments.rates, data.text.rate, 100);
})();
