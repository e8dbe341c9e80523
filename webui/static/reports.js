// Report charts (Chart.js from npm): each <canvas class="report-chart"> carries its data in data-* attributes;
// the tables below the charts hold the same numbers, so the page works without JavaScript.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var colours = ["#0d6efd", "#b02a37", "#adb5bd", "#198754", "#ffc107", "#6f42c1", "#20c997", "#fd7e14"];
  function parse(el, name) {
    try { return JSON.parse(el.getAttribute("data-" + name) || "[]"); } catch (e) { return []; }
  }
  document.querySelectorAll("canvas.report-chart").forEach(function (canvas) {
    var labels = parse(canvas, "labels");
    var kind = canvas.getAttribute("data-chart");
    var datasets;
    if (kind === "stacked") {
      var names = parse(canvas, "names");
      datasets = parse(canvas, "series").map(function (values, i) {
        return { label: names[i] || "", data: values, backgroundColor: colours[i % colours.length] };
      });
    } else {
      datasets = [{ label: "", data: parse(canvas, "values"), backgroundColor: colours[0] }];
    }
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: canvas.getAttribute("data-horizontal") ? "y" : "x",
        animation: false,
        plugins: { legend: { display: kind === "stacked" } },
        scales: { x: { stacked: kind === "stacked", beginAtZero: true, ticks: { precision: 0 } },
                  y: { stacked: kind === "stacked", beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  });
})();
