// Upload with a progress bar, and live progress of a running batch. No framework, no
// inline script (CSP): this file is served from our static files.
(function () {
  "use strict";

  function setupUpload(form) {
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-bar");
    var percent = document.getElementById("upload-percent");
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; } // plain post instead
      event.preventDefault();
      // Preview: the page answers with its preview section, swapped in here so the chosen
      // file stays chosen for "Load".
      var previewing = !!(event.submitter && event.submitter.name === "preview");
      var data = new FormData(form);
      if (previewing) { data.append("preview", "1"); }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      box.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var p = Math.round((100 * e.loaded) / e.total);
          bar.value = p;
          percent.textContent = p + "%";
        }
      });
      xhr.addEventListener("load", function () {
        if (previewing && xhr.status === 200) {
          box.hidden = true;
          var answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
          document.getElementById("preview").replaceWith(answer.getElementById("preview"));
        } else if (xhr.status === 200 && xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.location.assign(xhr.responseURL); // redirected to the new batch's page
        } else if (xhr.status === 413) {
          box.hidden = true;
          alert(xhr.responseText);
        } else {
          document.open();
          document.write(xhr.responseText); // the form again, with its errors
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        box.hidden = true;
        alert("The upload failed: the connection was lost or the file is too large.");
      });
      xhr.send(data);
    });
  }

  // The columns of the kind chosen in the form are shown open, the other kinds folded.
  function setupColumns(select) {
    function show() {
      document.querySelectorAll("details.kind-columns").forEach(function (details) {
        details.open = details.dataset.kind === select.value;
      });
    }
    select.addEventListener("change", show);
    show();
  }

  function setupBatch(panel) {
    if (panel.dataset.over === "true") { return; }
    var fields = ["rows_read", "rows_inserted", "rows_updated", "rows_duplicate", "rows_rejected"];
    function poll() {
      fetch(panel.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (b) {
          fields.forEach(function (name) {
            document.getElementById(name).textContent = b[name];
          });
          var status = document.getElementById("batch-status");
          status.textContent = b.status.charAt(0).toUpperCase() + b.status.slice(1);
          status.className = "status-" + b.status;
          if (b.progress !== null) {
            document.getElementById("batch-bar").value = Math.round(100 * b.progress);
          }
          if (b.rows_total !== null) {
            document.getElementById("batch-lines").textContent =
              Math.round((b.progress || 0) * b.rows_total) + " of " + b.rows_total + " lines";
          }
          if (b.status === "done" || b.status === "failed") {
            window.location.reload(); // show the result and the rejected rows
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (form) { setupUpload(form); }
    var kind = document.getElementById("id_kind");
    if (kind) { setupColumns(kind); }
    var panel = document.getElementById("batch");
    if (panel) { setupBatch(panel); }
  });
})();
