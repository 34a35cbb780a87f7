// Resumable uploads with progress, on top of the plain upload form (which works without
// this script). Each file goes to /uploads/ by the tus protocol through tus-js-client, which
// remembers unfinished uploads in this browser and continues them after a network failure or
// a page reload: choose the same file again and it carries on where it stopped.
(function () {
  "use strict";
  var form = document.querySelector("form[data-resumable]");
  if (!form || !window.tus || !window.tus.isSupported) return;

  var status = document.getElementById("upload-status");
  var overall = document.getElementById("upload-overall");
  var list = document.getElementById("upload-files");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  form.addEventListener("submit", function (event) {
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.push.apply(files, input.files);
    });
    if (!files.length) return; // the server says "choose at least one file"
    event.preventDefault();
    form.querySelector("button[type=submit]").disabled = true;
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0) || 1;
    var sent = files.map(function () { return 0; });
    overall.hidden = false;
    // One file after the other: kinder to a home connection, and each file's outcome is
    // recorded before the next begins.
    var rows = files.map(function (file) {
      var row = document.createElement("li");
      var label = document.createElement("span");
      var bar = document.createElement("progress");
      row.dataset.name = file.webkitRelativePath || file.name;
      label.textContent = row.dataset.name;
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", "Upload of " + row.dataset.name);
      row.appendChild(label); row.appendChild(bar); list.appendChild(row);
      return row;
    });
    next(0);

    function next(index) {
      if (index === files.length) {
        status.textContent = "All files are uploaded. Showing them now…";
        window.location.reload();
        return;
      }
      var file = files[index], row = rows[index], bar = row.querySelector("progress");
      var upload = new window.tus.Upload(file, {
        endpoint: form.dataset.endpoint,
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        removeFingerprintOnSuccess: true,
        headers: { "X-CSRFToken": csrf },
        metadata: { filename: row.dataset.name, case: form.dataset.case },
        onProgress: function (bytes, size) {
          bar.value = size ? Math.floor(bytes / size * 100) : 100;
          sent[index] = bytes;
          var done = sent.reduce(function (a, b) { return a + b; }, 0);
          overall.value = Math.floor(done / total * 100);
          status.textContent = "Uploading: " + overall.value + "% of " + files.length + " file(s).";
        },
        onError: function (error) {
          row.classList.add("failed");
          // A refusal (an empty file, one too large) says why; the page shows it after reloading.
          var answer = error && error.originalResponse;
          var code = answer ? answer.getStatus() : 0;
          status.textContent = row.dataset.name + (code >= 400 && code < 500 && code !== 409 &&
            code !== 423 ? ": " + answer.getBody()
            : " stopped. Choose it again to continue where it stopped.");
          next(index + 1);
        },
        onSuccess: function () { bar.value = 100; next(index + 1); }
      });
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      });
    }
  });
})();
