// Job pages: poll the status JSON while a job is active and update badge, stage, bar, times and duration together;
// reload when the job ends. Also: confirmation of destructive forms, click-to-enlarge images, notification count.
(function () {
  "use strict";
  var ACTIVE = ["queued", "running", "pending_review"];

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && text !== undefined && text !== null) { el.textContent = text; }
  }

  function show(s) {
    var bar = document.getElementById("job-bar");
    var badge = document.querySelector("#job-status .status");
    if (badge) {
      badge.className = "status status-" + s.status;
      badge.textContent = s.status_label;
    }
    if (bar) {
      bar.value = s.progress;
      bar.className = "big bar-" + s.status;
    }
    setText("job-stage", s.stage || s.status_label);
    setText("job-percent", Math.round(s.progress * 100) + "%");
    setText("job-started", s.started_at || "–");
    setText("job-finished", s.finished_at || "–");
    setText("job-duration", s.duration_text);
    setText("job-attempts", String(s.attempts));
  }

  function poll(box) {
    var url = box.getAttribute("data-status-url");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          show(s);
          if (ACTIVE.indexOf(s.status) >= 0) {
            setTimeout(tick, 1000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 1000);
  }

  function lightbox() {
    var box = document.createElement("div");
    box.id = "lightbox";
    box.setAttribute("role", "dialog");
    box.hidden = true;
    box.innerHTML = '<figure><img alt=""><figcaption></figcaption></figure><button type="button" class="close">Close</button>';
    document.body.appendChild(box);
    function close() { box.hidden = true; }
    box.addEventListener("click", close);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
    document.querySelectorAll("a.enlarge").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        box.querySelector("img").src = a.getAttribute("href");
        box.querySelector("img").alt = a.getAttribute("title") || "";
        box.querySelector("figcaption").textContent = a.getAttribute("title") || "";
        box.hidden = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("job-progress");
    if (box && box.getAttribute("data-active") === "yes") { poll(box); }
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
    if (document.querySelector("a.enlarge")) { lightbox(); }
    var primary = document.querySelector("select[name=detector]");
    var also = document.querySelector("select[name=ensemble]");
    if (primary && also) {  // the ensemble list never offers the detector already chosen above
      var sync = function () {
        Array.prototype.forEach.call(also.options, function (o) {
          o.hidden = o.disabled = (o.value === primary.value);
          if (o.disabled) { o.selected = false; }
        });
      };
      primary.addEventListener("change", sync);
      sync();
    }
  });
})();
