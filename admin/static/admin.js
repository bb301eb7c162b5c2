// The little the admin needs from JavaScript: poll a running catalog import for progress.
(function () {
  "use strict";
  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value === null || value === undefined ? "" : String(value); }
  }
  function render(state) {
    var bar = document.getElementById("import-progress");
    bar.max = state.total || 1;
    bar.value = state.done || 0;
    text("import-status", state.status);
    text("import-done", state.done);
    text("import-total", state.total);
    text("import-file", state.file);
    text("import-summary", state.summary);
    var list = document.getElementById("import-errors");
    var errors = state.errors || [];
    text("import-error-count", errors.length);
    list.replaceChildren();
    errors.forEach(function (e) {  // textContent: row errors quote file contents
      var li = document.createElement("li");
      li.textContent = e;
      list.appendChild(li);
    });
    document.getElementById("import").dataset.status = state.status;
  }
  function poll(box) {
    fetch(box.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        render(state);
        if (state.status !== "done" && state.status !== "failed") {
          setTimeout(function () { poll(box); }, 500);
        }
      })
      .catch(function () { setTimeout(function () { poll(box); }, 2000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import");
    if (box && box.dataset.status !== "done" && box.dataset.status !== "failed") { poll(box); }
  });
})();
