// The whole-file download page (file_exports): while the ZIP is being built, ask the
// server for its progress every two seconds and show it; the live region announces when it
// is ready (the download link appears) or failed. Without JavaScript, « Actualiser » does.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || !box.querySelector("[data-export-progress]")) {
    return;
  }
  var progress = box.querySelector("[data-export-progress]");
  var message = box.querySelector("[data-export-message]");

  function show(selector) {
    var element = box.querySelector(selector);
    if (element) {
      element.hidden = false;
    }
  }

  function hide(selector) {
    var element = box.querySelector(selector);
    if (element) {
      element.hidden = true;
    }
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) {
          window.setTimeout(poll, 5000);
          return;
        }
        if (state.total) {
          progress.max = state.total;
          progress.value = state.done;
        }
        if (message.textContent !== state.message) {
          message.textContent = state.message;
        }
        if (state.status === "ready") {
          hide("[data-export-refresh]");
          progress.hidden = true;
          show("[data-export-ready]");
        } else if (state.status === "failed") {
          // The page offers « Réessayer » (a form): show it as the server draws it.
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
