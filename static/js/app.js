// Behaviour shared by the staff pages. No inline scripts anywhere: pages carry data in <script type="application/json">
// (Django's json_script) and this file, or a page's own static file, reads it.
(function () {
  "use strict";
  // htmx sends Django's CSRF token with every unsafe request.
  document.body.addEventListener("htmx:configRequest", function (event) {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) event.detail.headers["X-CSRFToken"] = token.value;
  });
  // "Select all" checkbox for bulk actions: <input type="checkbox" data-select-all="name-of-row-checkboxes">
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    master.addEventListener("change", function () {
      document.querySelectorAll('input[name="' + master.dataset.selectAll + '"]').forEach(function (box) {
        box.checked = master.checked;
      });
    });
  });
})();
