// The reports page's charts, drawn with the vendored Chart.js from the data the page embeds with json_script
// (<script type="application/json" id="reports-data">). Each canvas gets data-drawn="1" once drawn.
(function () {
  "use strict";
  const source = document.getElementById("reports-data");
  if (!source || typeof window.Chart === "undefined" || !window.mobilityCharts) return;
  const data = JSON.parse(source.textContent);

  const markDrawn = window.mobilityCharts.markDrawn; // static/js/charts.js, with the site's Chart.js defaults

  const outcomesCanvas = document.getElementById("outcomes-chart");
  if (outcomesCanvas && data.outcomes) {
    new Chart(outcomesCanvas, {
      type: "bar",
      data: {
        labels: data.outcomes.labels,
        datasets: data.outcomes.series.map(function (series) {
          return { label: series.label, data: series.data, backgroundColor: series.colour, maxBarThickness: 56 };
        }),
      },
      options: {
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
      plugins: [markDrawn],
    });
  }

  const quotasCanvas = document.getElementById("quotas-chart");
  if (quotasCanvas && data.quotas) {
    new Chart(quotasCanvas, {
      type: "bar",
      data: {
        labels: data.quotas.labels,
        datasets: [
          { label: data.quotas.placesLabel, data: data.quotas.places, backgroundColor: "#9ec5e8", maxBarThickness: 32 },
          { label: data.quotas.usedLabel, data: data.quotas.used, backgroundColor: "#1f4e79", maxBarThickness: 32 },
        ],
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
      plugins: [markDrawn],
    });
  }
})();
