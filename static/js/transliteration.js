// Student form: suggest the Latin (pinyin) and Cyrillic (Palladius) names from the Han ones
// (students:transliterate). Typing a Han name fills only empty fields, or fields still holding the earlier
// suggestion; what staff typed is never overwritten. "Suggest from Han" replaces all four after a confirm.
(function () {
  "use strict";
  const form = document.querySelector("form[data-transliterate-url]");
  if (!form) return;
  const han = ["family_name_han", "given_name_han"].map(function (name) { return form.elements[name]; });
  const targets = ["family_name_latin", "given_name_latin", "family_name_cyrillic", "given_name_cyrillic"]
    .map(function (name) { return form.elements[name]; })
    .filter(Boolean);
  const button = form.querySelector("[data-transliterate-button]");
  const note = form.querySelector("[data-transliterate-message]");
  if (han.indexOf(undefined) !== -1) return;

  function suggestion() {
    const query = new URLSearchParams({ family: han[0].value, given: han[1].value });
    return fetch(form.dataset.transliterateUrl + "?" + query, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error("transliteration: HTTP " + response.status);
      return response.json();
    });
  }

  function fill(suggested, replace) {
    // A refused suggestion (a character without a known reading) says why instead of filling anything.
    if (note) {
      note.textContent = suggested.message || "";
      note.hidden = !suggested.message;
    }
    targets.forEach(function (field) {
      const value = suggested[field.name];
      if (!value) return;
      const ours = !field.value.trim() || field.value === field.dataset.suggested;
      if (replace || ours) {
        field.value = value;
        field.dataset.suggested = value;
      }
    });
  }

  han.forEach(function (field) {
    field.addEventListener("change", function () {
      suggestion().then(function (suggested) { fill(suggested, false); }).catch(console.warn);
    });
  });

  if (button) {
    button.addEventListener("click", function () {
      suggestion().then(function (suggested) {
        const differs = targets.some(function (field) {
          return field.value.trim() && suggested[field.name] && field.value !== suggested[field.name];
        });
        if (differs && !window.confirm(button.dataset.confirm)) return;
        fill(suggested, true);
      }).catch(console.warn);
    });
  }
})();
