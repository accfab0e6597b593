// Shown the moment a file is chosen on the Data page, before the browser has sent it: Panel's
// FileInput sends the whole file as one websocket message, so the server cannot report progress
// until it has arrived. The server's first progress line replaces this note.
(() => {
  if (window.critminUploadNote) {
    return;
  }
  window.critminUploadNote = true;
  const escape = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const megabytes = (bytes) => {
    const mb = bytes / 1048576;
    return mb >= 10 ? mb.toFixed(0) : mb >= 0.1 ? mb.toFixed(1) : "< 0.1";
  };
  const messages = () => {
    for (const doc of (window.Bokeh && window.Bokeh.documents) || []) {
      for (const model of doc.all_models) {
        if ((model.css_classes || []).includes("data-messages")) {
          return model;
        }
      }
    }
    return null;
  };
  // "input" is composed, so it reaches the document from inside the widget's shadow root.
  document.addEventListener(
    "input",
    (event) => {
      const input = event.composedPath()[0];
      if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.files || !input.files.length) {
        return;
      }
      const files = Array.from(input.files);
      const names = files.map((file) => file.name).join(", ");
      const size = megabytes(files.reduce((sum, file) => sum + file.size, 0));
      const note =
        '<p class="progress-note sending" role="status"><span class="spinner"></span>' +
        `Sending ${escape(names)} (${size} MB) to the server; the check starts when it has arrived …</p>`;
      const target = messages();
      if (target !== null) {
        target.text = escape(note); // Panel's HTML model holds its markup escaped
      }
    },
    true,
  );
})();
