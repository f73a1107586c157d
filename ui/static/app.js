// callmatch: a little progressive enhancement. Every page works without it.
(function () {
  "use strict";
  // Filters apply as soon as they change.
  document.querySelectorAll(".autosubmit").forEach(function (el) {
    el.addEventListener("change", function () {
      var form = el.form;
      if (!form) return;
      var page = form.querySelector("input[name=page]");
      if (page) page.remove();
      form.submit();
    });
  });
  // The calendar address is selected in one click, ready to copy.
  document.querySelectorAll("input.copy").forEach(function (el) {
    el.addEventListener("focus", function () { el.select(); });
  });
})();
