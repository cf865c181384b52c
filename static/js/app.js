// The CRM's own behaviour, loaded from the app's origin (the CSP forbids inline scripts and
// inline event handlers). Everything here is progressive: pages work without it.
(() => {
  "use strict";

  const typing = (el) => el && el.closest && el.closest("input, textarea, select, [contenteditable=true]");
  const dialog = () => document.getElementById("crm-dialog");
  const results = () => document.getElementById("search-results");

  // --- keyboard: "/" focuses the global search; arrows walk its results; Esc closes them ----
  document.addEventListener("keydown", (event) => {
    const box = document.getElementById("global-search");
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
      return;
    }
    const list = results();
    if (!list || !box) return;
    const links = Array.from(list.querySelectorAll("a[href]"));
    const inSearch = event.target === box || list.contains(event.target);
    if (!inSearch) return;
    if (event.key === "Escape") {
      list.replaceChildren();
      box.focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    if (!links.length) return;
    event.preventDefault();
    const at = links.indexOf(document.activeElement);
    let next = event.key === "ArrowDown" ? at + 1 : at - 1;
    if (next < 0) {
      box.focus();
      return;
    }
    if (next >= links.length) next = links.length - 1;
    links[next].focus();
  });

  // clicking elsewhere closes the search results
  document.addEventListener("click", (event) => {
    const list = results();
    if (list && !event.target.closest(".crm-search")) list.replaceChildren();
  });

  // --- forms: auto-submit selects, confirm before destructive submits ---------------------
  document.addEventListener("change", (event) => {
    const el = event.target.closest && event.target.closest("[data-autosubmit]");
    if (el && el.form) el.form.requestSubmit();
  });
  document.addEventListener("submit", (event) => {
    const message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // --- dialogs: htmx loads a form into #crm-dialog-body and the dialog opens ---------------
  document.addEventListener("htmx:afterSwap", (event) => {
    const d = dialog();
    if (!d || event.detail.target.id !== "crm-dialog-body") return;
    if (!event.detail.target.children.length) {
      if (d.open) d.close();
      return;
    }
    if (!d.open) d.showModal();
    const first = d.querySelector("[autofocus], input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
  document.addEventListener("crm:close-dialog", () => {
    const d = dialog();
    if (d && d.open) d.close();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-dialog-close]")) {
      const d = dialog();
      if (d && d.open) d.close();
    }
  });
  document.addEventListener("close", (event) => {
    if (event.target === dialog()) document.getElementById("crm-dialog-body").replaceChildren();
  }, true);

  // --- htmx answers that are not a fragment: a refusal or an expired session -------------
  const notify = (text, kind) => {
    const box = document.getElementById("messages");
    if (!box) return;
    const alert = document.createElement("div");
    alert.className = `alert alert-${kind}`;
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    box.replaceChildren(alert);
    alert.scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && new URL(xhr.responseURL).pathname === "/login/") {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL); // the session ended: sign in again
    }
  });
  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    const page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const title = page.querySelector(".empty-title");
    const advice = page.querySelector(".empty-subtitle");
    const text = title ? `${title.textContent.trim()} ${advice ? advice.textContent.trim() : ""}` : `操作未完成(${xhr.status})`;
    const d = dialog();
    if (d && d.open) d.close();
    notify(text, "danger");
  });
  document.addEventListener("htmx:sendError", () => notify("网络连接失败,操作未完成,请稍后重试", "danger"));

  // --- bulk selection on lists ---------------------------------------------------------------
  const syncBulk = (scope) => {
    const boxes = Array.from(scope.querySelectorAll("[data-row-select]"));
    const chosen = boxes.filter((b) => b.checked).length;
    scope.querySelectorAll("[data-selected-count]").forEach((el) => { el.textContent = String(chosen); });
    scope.querySelectorAll("[data-bulk-action]").forEach((el) => { el.disabled = chosen === 0; });
    const all = scope.querySelector("[data-select-all]");
    if (all) {
      all.checked = chosen > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  };
  document.addEventListener("change", (event) => {
    const scope = event.target.closest && event.target.closest("[data-bulk-scope]");
    if (!scope) return;
    if (event.target.matches("[data-select-all]")) {
      scope.querySelectorAll("[data-row-select]").forEach((b) => { b.checked = event.target.checked; });
    }
    if (event.target.matches("[data-select-all], [data-row-select]")) syncBulk(scope);
  });
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-bulk-scope]").forEach(syncBulk);
  });
})();
