// Progressive enhancement of the proposal form: "Insérer le modèle" adds the chosen
// template's text to the motivation without reloading the page. Without JavaScript the
// button posts the form and the server does the same (reviews.views.propose).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("select[data-motivation-templates]");
    var store = document.getElementById("motivation-templates");
    var motivation = document.getElementById("id_motivation");
    if (!select || !store || !motivation || !select.form) {
      return;
    }
    var button = select.form.querySelector('button[name="insert_template"]');
    if (!button) {
      return;
    }
    button.addEventListener("click", function (event) {
      var template = store.querySelector('template[data-id="' + select.value + '"]');
      if (!template) {
        return; // no template chosen: let the server say so
      }
      event.preventDefault();
      var text = template.content.textContent;
      var typed = motivation.value.replace(/\s+$/, "");
      motivation.value = typed ? typed + "\n\n" + text : text;
      var kinds = select.form.querySelectorAll('input[name="kind"]');
      var chosen = Array.prototype.some.call(kinds, function (input) { return input.checked; });
      if (!chosen) {
        Array.prototype.forEach.call(kinds, function (input) {
          input.checked = input.value === template.dataset.kind;
        });
      }
      motivation.focus();
    });
  });
})();
