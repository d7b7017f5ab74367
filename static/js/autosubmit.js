/* Filter forms: a change submits the form (GET), so the filter lands in the URL. */
(function () {
  "use strict";
  document.querySelectorAll("form.filters[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("select, input[type=date], input[type=radio]")) { form.submit(); }
    });
  });
})();
