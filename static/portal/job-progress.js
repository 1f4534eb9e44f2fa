// The progress bar of a background job's page (portals/jobs.py): asks the job's progress address
// every data-poll-ms milliseconds and moves the bar; when the job has ended, reloads the page,
// which then shows the outcome and the file to download. No library, no CDN.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-finished") === "1") { return; }
  var url = box.getAttribute("data-progress-url");
  var every = parseInt(box.getAttribute("data-poll-ms"), 10) || 1000;
  var bar = document.getElementById("job-bar");
  var status = document.getElementById("job-status");
  var stage = document.getElementById("job-stage");
  var count = document.getElementById("job-count");
  var failures = 0;

  function show(state) {
    status.textContent = state.status_text;
    stage.textContent = state.stage || "";
    if (state.total) {
      bar.max = state.total;
      bar.value = state.done;
      count.textContent = state.done + " / " + state.total + "(" + state.percent + "%)";
    } else {
      bar.removeAttribute("value");  // indeterminate: the stage has no count
      count.textContent = "";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        if (state.finished) { window.location.reload(); return; }
        show(state);
        window.setTimeout(poll, every);
      })
      .catch(function () {
        failures += 1;
        stage.textContent = "暂时无法获取进度,正在重试……";
        window.setTimeout(poll, Math.min(every * (failures + 1), 15000));
      });
  }

  window.setTimeout(poll, every);
})();
