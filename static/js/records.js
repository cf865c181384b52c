// Record cards and to-dos (the filing dialog, the to-do dialogs): more to-do rows from a
// <template>, Ctrl+Enter submits, focus lands on the field to type (the CSP forbids inline code).
(() => {
  "use strict";

  // "添加一行": clone the dialog's row template into its to-do table
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-add-task-row]");
    if (!button) return;
    const form = button.closest("form");
    const template = form && form.querySelector("template[data-task-row-template]");
    const body = form && form.querySelector("[data-task-rows]");
    if (!template || !body) return;
    const row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    const first = row.querySelector("input");
    if (first) first.focus();
  });

  // Ctrl+Enter (⌘+Enter) submits a dialog marked data-ctrl-enter
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const form = event.target.closest && event.target.closest("form");
    if (!form || !form.querySelector("[data-ctrl-enter]")) return;
    event.preventDefault();
    // a dialog form is wired by htmx when the swap settles; wire it now if typed that fast
    if (window.htmx) window.htmx.process(form);
    form.requestSubmit();
  });

  // after the dialog loads (app.js focuses its first input), focus the first field with an
  // error, else the one marked autofocus (the card's core content, the to-do's result)
  document.addEventListener("htmx:afterSwap", (event) => {
    const body = event.detail.target;
    if (!body || body.id !== "crm-dialog-body" || !body.querySelector("[data-ctrl-enter]")) return;
    const field = body.querySelector(".is-invalid") || body.querySelector("[autofocus]");
    if (field) field.focus();
  });
})();
