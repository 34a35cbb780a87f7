// Adds a suggested ICD-10-CM code to its field when the person chooses it.
// Our own small script: the suggestions themselves come from the server through htmx.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-icd10-code]");
  if (!button) return;
  var field = document.getElementById(button.dataset.target);
  if (!field) return;
  var code = button.dataset.icd10Code;
  var codes = field.value.split(/[\s,;]+/).filter(Boolean);
  if (codes.indexOf(code) === -1) codes.push(code);
  field.value = codes.join(", ");
  var list = button.closest("[aria-live]");
  if (list) list.innerHTML = '<p class="message success">Added ' + code + ".</p>";
  field.focus();
});
