// Follows a batch while it runs: updates the progress bar and its text, then
// reloads the page once the list is ranked (to show downloads and charts).
(function () {
  "use strict";
  var section = document.getElementById("job");
  if (!section || section.dataset.finished === "true") return;
  var url = section.dataset.statusUrl;
  var bar = document.getElementById("job-bar");
  var text = document.getElementById("job-text");
  var status = document.getElementById("job-status");
  var waiting = document.getElementById("job-waiting");

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (p) {
        bar.max = p.total;
        bar.value = p.done;
        bar.textContent = p.percent + "%";
        var parts = [p.text];
        if (p.rate) parts.push(p.rate);
        if (p.left) parts.push(p.left);
        text.textContent = parts.join(" · ");
        status.textContent = p.status_text;
        if (waiting && p.status !== "queued") waiting.hidden = true;
        if (p.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 500);
})();
