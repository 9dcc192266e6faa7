/* fediama: the "ask / vote from your own account" boxes remember the visitor's handle in this browser
   (localStorage, never on our server). Every input marked data-remember-handle is filled with the handle last
   typed, and submitting its form stores it again. Boxes added later (live updates) are filled when focused. */
(function () {
  "use strict";
  var KEY = "fediama.handle";

  function stored() {
    try { return window.localStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }

  function store(value) {
    try {
      if (value) { window.localStorage.setItem(KEY, value); }
    } catch (e) { /* storage refused (private mode): the box still works, it just forgets */ }
  }

  function fill(input) {
    if (input && input.matches("input[data-remember-handle]") && !input.value) { input.value = stored(); }
  }

  document.querySelectorAll("input[data-remember-handle]").forEach(fill);
  document.addEventListener("focusin", function (event) { fill(event.target); });
  document.addEventListener("toggle", function (event) {
    if (event.target.open) { fill(event.target.querySelector("input[data-remember-handle]")); }
  }, true);
  document.addEventListener("submit", function (event) {
    var input = event.target.querySelector("input[data-remember-handle]");
    if (input) { store(input.value.trim()); }
  });
})();
