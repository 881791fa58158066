// A bulk export's page: polls the job's status.json every second and
// moves the progress bar, until the job is done (the download link shows)
// or failed (the reason shows). Everything is written with textContent.
// Without this script the page reloads itself (a <noscript> refresh).
(function () {
  "use strict";
  function show(el, text) {
    if (!el) { return; }
    el.textContent = text || "";
    el.hidden = !text;
  }
  function update(box, s) {
    var bar = box.querySelector("[data-job-progress]");
    if (bar) {
      bar.max = Math.max(s.total, 1);
      bar.value = s.done;
      bar.textContent = s.counts;
    }
    var state = box.querySelector("[data-job-state]");
    if (state) { state.textContent = s.state_text; }
    var counts = box.querySelector("[data-job-counts]");
    if (counts) { counts.textContent = s.counts; }
    show(box.querySelector("[data-job-error]"), s.error);
    show(box.querySelector("[data-job-note]"), s.note);
    var dl = box.querySelector("[data-job-download]");
    var link = box.querySelector("[data-job-link]");
    if (dl && link && s.download) {
      link.setAttribute("href", s.download);
      var size = box.querySelector("[data-job-size]");
      if (size) { size.textContent = s.size; }
      dl.hidden = false;
    }
    if (s.state === "failed") {
      // The form to start again is on the page as rendered for a failed
      // job; polling only runs on a page rendered unfinished, so this
      // reloads once.
      window.location.reload();
    }
  }
  function poll(box) {
    var url = box.getAttribute("data-status-url");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) {
        if (!res.ok) { throw new Error("status " + res.status); }
        return res.json();
      })
      .then(function (s) {
        update(box, s);
        if (!s.finished) { window.setTimeout(function () { poll(box); }, 1000); }
      })
      .catch(function () {
        // A network hiccup: try again a little later.
        window.setTimeout(function () { poll(box); }, 3000);
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-export-job]");
    if (box && box.getAttribute("data-finished") === "false") { poll(box); }
  });
})();
