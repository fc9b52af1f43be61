/*
 * The widget pages' only script. The pages work without it; it adds:
 * - the relay: each page carries the events of the step just taken, posted to the
 *   integrator's page (connect.js) when the widget runs in an iframe;
 * - live filtering of the institution list as the user types;
 * - a "waiting for your bank" state while a login or MFA answer is with the bank.
 */
(function () {
  "use strict";

  var carrier = document.getElementById("monosim-events");
  var events = carrier ? JSON.parse(carrier.textContent || "[]") : [];
  if (window.parent && window.parent !== window) {
    events.forEach(function (event) {
      window.parent.postMessage(event, "*");
    });
  }

  var search = document.getElementById("q");
  if (search) {
    var items = Array.prototype.slice.call(document.querySelectorAll(".banks li"));
    var empty = document.querySelector(".empty");
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (item) {
        var match = item.getAttribute("data-name").indexOf(needle) >= 0;
        item.hidden = !match;
        shown += match ? 1 : 0;
      });
      if (empty) {
        empty.hidden = shown > 0;
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.bank-call"), function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = "Waiting for your bank…";
      }
      form.setAttribute("aria-busy", "true");
    });
  });
})();
