// The dashboard's charts, drawn with the vendored Chart.js from the data the page embeds with json_script
// (<script type="application/json" id="dashboard-data">). Each canvas gets data-drawn="1" once drawn.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined" || !window.mobilityCharts) return;
  const data = JSON.parse(source.textContent);

  // One colour per track, stable across pages: the same track keeps its colour as tracks are added.
  const PALETTE = ["#1f4e79", "#d9822b", "#3c8d5a", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b7950b"];
  const FUNNEL_COLOURS = ["#9ec5e8", "#5b9bd5", "#2e75b6", "#1f4e79"];

  const markDrawn = window.mobilityCharts.markDrawn; // static/js/charts.js, with the site's Chart.js defaults

  const funnelCanvas = document.getElementById("funnel-chart");
  if (funnelCanvas && data.funnel) {
    new Chart(funnelCanvas, {
      type: "bar",
      data: {
        labels: data.funnel.labels,
        datasets: [
          {
            label: data.funnel.label,
            data: data.funnel.counts,
            backgroundColor: FUNNEL_COLOURS,
            borderRadius: 3,
          },
        ],
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              // The share of all applications that reached the stage.
              afterLabel: function (item) {
                const first = data.funnel.counts[0];
                return first ? Math.round((100 * item.parsed.x) / first) + " %" : "";
              },
            },
          },
        },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
      plugins: [markDrawn],
    });
  }

  const perTrackCanvas = document.getElementById("per-track-chart");
  if (perTrackCanvas && data.perTrack) {
    new Chart(perTrackCanvas, {
      type: "bar",
      data: {
        labels: data.perTrack.labels,
        datasets: data.perTrack.series.map(function (series, index) {
          return {
            label: series.code + " · " + series.label,
            data: series.data,
            backgroundColor: PALETTE[index % PALETTE.length],
            maxBarThickness: 48,
          };
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
})();
