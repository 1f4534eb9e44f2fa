// The self check-in panel of the attendance page: fetch its body again every minute so the code
// on the screen follows the 5-minute change and new check-ins appear. Only the panel is replaced:
// marks being entered in the attendance form are never touched. Stops after 8 hours.
(function () {
  "use strict";
  var panel = document.getElementById("checkin-panel");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-refresh-url");
  var left = 8 * 60;
  function refresh() {
    if (left-- <= 0) { return; }
    if (document.visibilityState !== "hidden") {
      fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (r) {
          if (r.redirected) { left = 0; return null; }  // signed out: leave the panel as it is
          return r.ok ? r.text() : null;
        })
        .then(function (html) { if (html !== null) { panel.innerHTML = html; } })
        .catch(function () {});
    }
    window.setTimeout(refresh, 60 * 1000);
  }
  window.setTimeout(refresh, 60 * 1000);
})();
