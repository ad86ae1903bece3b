// Progressive enhancement only: every page works without this file. The CSP forbids inline
// script and handlers, so every behaviour is attached here by data attribute.
// Forms marked data-progress upload with a visible progress bar (large Excel files on slow
// connections), then show the server's answer as a normal page would.
document.addEventListener("DOMContentLoaded", function () {
  // Buttons that print the page, and links back (the page still works without them:
  // the browser's own print, and the link's own target).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Forms that undo much ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Lists folded on screen are printed unfolded.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.printopen").forEach(function (d) { d.open = true; });
  });
  document.querySelectorAll("a[data-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var bar = form.querySelector("progress");
      var note = form.querySelector(".progress-note");
      if (bar) { bar.hidden = false; bar.value = 0; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && bar) { bar.max = e.total; bar.value = e.loaded; }
        if (note) { note.textContent = e.lengthComputable ? "Đang tải lên " + Math.round(100 * e.loaded / e.total) + "%…" : "Đang tải lên…"; }
      };
      xhr.upload.onload = function () { if (note) { note.textContent = "Đã tải lên; đang kiểm tra từng dòng…"; } };
      xhr.onload = function () { document.open(); document.write(xhr.responseText); document.close(); };
      xhr.onerror = function () { if (note) { note.textContent = "Mất kết nối; hãy thử lại."; } };
      xhr.send(new FormData(form));
    });
  });
});
