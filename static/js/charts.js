// What the dashboard's and the reports page's charts share (static/js/dashboard.js, static/js/reports.js): the
// site's Chart.js defaults, and the plugin that marks a canvas drawn (data-drawn="1") once Chart.js has rendered
// it, so that people and tests can tell the chart is there. Loaded after Chart.js, before the page's own script.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  Chart.defaults.font.family =
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC", "Noto Sans", sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  window.mobilityCharts = {
    markDrawn: {
      id: "markDrawn",
      afterRender: function (chart) {
        chart.canvas.dataset.drawn = "1";
      },
    },
  };
})();
