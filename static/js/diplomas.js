// Diplomas. Batch progress (cohort page): the bars of a partial swapped in by htmx take their widths from
// data-width, so no inline style is needed. Verification page: a file over the size limit is refused before it is
// sent.
(function () {
  "use strict";

  function sizeBars(root) {
    root.querySelectorAll(".progress-stacked > .progress[data-width]").forEach(function (bar) {
      const width = Math.max(0, Math.min(100, parseInt(bar.dataset.width, 10) || 0));
      bar.style.width = width + "%";
      bar.setAttribute("aria-valuenow", String(width));
    });
  }

  sizeBars(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { sizeBars(event.target); });

  const form = document.querySelector("form.diploma-check[data-max-size]");
  if (form) {
    form.addEventListener("submit", function (event) {
      const input = form.querySelector("input[type=file]");
      const limit = parseInt(form.dataset.maxSize, 10);
      if (input && input.files.length && input.files[0].size > limit) {
        event.preventDefault();
        input.classList.add("is-invalid");
        input.setCustomValidity(input.dataset.tooLarge || "The file is larger than 20 MB.");
        input.reportValidity();
      }
    });
    form.addEventListener("change", function (event) { event.target.setCustomValidity(""); });
  }
})();
