// Поведение общих элементов без встроенных скриптов (Content-Security-Policy запрещает их):
// <select data-autosubmit> отправляет свою форму при выборе значения.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
