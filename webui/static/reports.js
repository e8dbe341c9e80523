// Report charts (Chart.js from npm): each <canvas class="report-chart"> carries its data in data-* attributes;
// the tables below the charts hold the same numbers, so the page works without JavaScript.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var colours = ["#0d6efd", "#b02a37", "#adb5bd", "#198754", "#ffc107", "#6f42c1", "#20c997", "#fd7e14"];
  function parse(el, name) {
    try { return JSON.parse(el.getAttribute("data-" + name) || "[]"); } catch (e) { return []; }
  }
  // A bar's name on the axis beside it, shortened with "…" to what fits (Chart.js gives that axis at most half the
  // chart and would cut a longer name off at the card's edge); the tooltip and the table below have it in full.
  function fitted(scale, text) {
    var ctx = scale.ctx, room = scale.chart.width * 0.45 - 12, shown = String(text);
    ctx.save();
    ctx.font = window.Chart.helpers.toFont(scale.options.ticks.font).string;
    if (ctx.measureText(shown).width > room) {
      while (shown.length > 1 && ctx.measureText(shown + "\u2026").width > room) { shown = shown.slice(0, -1); }
      shown = shown.replace(/[\s,;.]+$/, "") + "\u2026";
    }
    ctx.restore();
    return shown;
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
    var horizontal = !!canvas.getAttribute("data-horizontal");
    var nameTicks = { precision: 0 };  // the axis of the bars' names: long ones shortened rather than cut off
    if (horizontal) {
      nameTicks.callback = function (value) { return fitted(this, this.getLabelForValue(value)); };
    }
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        plugins: { legend: { display: kind === "stacked" } },
        scales: { x: { stacked: kind === "stacked", beginAtZero: true, ticks: { precision: 0 } },
                  y: { stacked: kind === "stacked", beginAtZero: true, ticks: nameTicks } }
      }
    });
  });
})();
