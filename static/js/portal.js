// Live progress of a job page: poll its status JSON while the job is active, reload when it ends.
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-status-url");
    var bar = document.getElementById("job-bar");
    var stage = document.getElementById("job-stage");
    var percent = document.getElementById("job-percent");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.value = s.progress;
          stage.textContent = s.stage || s.status;
          percent.textContent = Math.round(s.progress * 100) + "%";
          if (["queued", "running", "pending_review"].indexOf(s.status) >= 0) {
            setTimeout(tick, 1000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("job-progress");
    if (box && box.getAttribute("data-active") === "yes") { poll(box); }
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
  });
})();
