// Times in the viewer's zone. Without this script, pages show UTC (named as such) and forms take UTC.
// - <time data-local-time datetime="…"> is shown in the browser's zone; [data-zone-name] then names that zone.
// - In a form[data-local-times], the hidden [data-time-zone] field gets the browser's zone and the
//   datetime-local inputs still in UTC (as the server rendered them) are converted to that zone.
// - [data-countdown="<iso>"] shows "opens in 2 hours" (data-countdown-text, {when}) until that moment.
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) { return; }
  var lang = document.documentElement.lang || undefined;
  var format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function inputValue(date) {  // a Date as a datetime-local value in the browser's zone
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function showTimes(root) {
    root.querySelectorAll("time[data-local-time][datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date)) { el.textContent = format.format(date); }
    });
    root.querySelectorAll("abbr[data-zone-name]").forEach(function (el) {
      el.textContent = "(" + zone + ")";
      el.removeAttribute("title");
    });
  }

  function localForm(form) {
    var field = form.querySelector("input[data-time-zone]");
    if (!field) { return; }
    if (!field.value || field.value === "UTC") {  // as the server rendered it: values are UTC wall-clock times
      form.querySelectorAll("input[type=datetime-local]").forEach(function (input) {
        if (input.value) { input.value = inputValue(new Date(input.value + ":00Z")); }
      });
      field.value = zone;
    }
    form.querySelectorAll("[data-zone-name]").forEach(function (el) { el.textContent = "(" + field.value + ")"; });
  }

  function countdown(el) {
    var start = new Date(el.getAttribute("data-countdown"));
    var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;
    if (isNaN(start) || !relative) { return; }
    function tick() {
      var minutes = Math.round((start - Date.now()) / 60000);
      if (minutes <= 0) { el.hidden = true; return; }
      var when = minutes >= 2880 ? relative.format(Math.round(minutes / 1440), "day")
        : minutes >= 120 ? relative.format(Math.round(minutes / 60), "hour") : relative.format(minutes, "minute");
      el.textContent = "· " + el.getAttribute("data-countdown-text").replace("{when}", when);
      el.hidden = false;
      window.setTimeout(tick, 30000);
    }
    tick();
  }

  function start() {
    showTimes(document);
    document.querySelectorAll("form[data-local-times]").forEach(localForm);
    document.querySelectorAll("[data-countdown]").forEach(countdown);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
