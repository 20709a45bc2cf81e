// Keyboard support for the in-place roadmap editor: focus follows the edited row, Escape cancels editing,
// the moved activity keeps the focus on its arrow button.
(function () {
  "use strict";

  function focusFirstField(root) {
    var field = root.querySelector("[data-autofocus], input:not([type=hidden]), textarea, select");
    if (field) { field.focus(); }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelector) { return; }
    var form = target.matches && target.matches("[data-edit-form]") ? target : target.querySelector("[data-edit-form]");
    if (form) { focusFirstField(form); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var form = event.target.closest && event.target.closest("[data-edit-form]");
    if (!form) { return; }
    var cancel = form.querySelector("[data-cancel]");
    if (cancel) { event.preventDefault(); cancel.click(); }
  });

  document.body.addEventListener("focusMoved", function (event) {
    var value = (event.detail && event.detail.value) || "";
    var parts = value.split(":");
    var button = document.querySelector('[data-move="' + parts[1] + '"][data-activity="' + parts[0] + '"]');
    if (button) { button.focus(); }
  });

  // deadline hint: ask the server how it reads the text while the user types
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("textarea[name=deadline_text]")) { return; }
    clearTimeout(field._hintTimer);
    field._hintTimer = setTimeout(function () {
      var hint = document.getElementById(field.getAttribute("aria-describedby").split(" ")[0]);
      var url = field.dataset.hintUrl + "?deadline_text=" + encodeURIComponent(field.value);
      if (hint && window.htmx) { window.htmx.ajax("GET", url, { target: hint, swap: "innerHTML" }); }
    }, 300);
  });
})();
