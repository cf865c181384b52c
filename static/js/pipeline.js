// The opportunity board (templates/pipeline/board.html): cards dragged between stage columns
// with SortableJS, loaded on this page only (the CSP forbids inline code).
//
// A drop on another column POSTs the card's version and the column's stage to the card's move
// URL through htmx.ajax (the CSRF header comes from <body hx-headers>). The answer re-renders
// the columns out of band with the service's message: a refused move (a gate not passed, a
// stale version) shows the card back in its column. A drop into 输单, or reopening a won or
// lost card, first opens the 变更阶段 dialog for the reason; closing it puts the card back.
(() => {
  "use strict";

  const board = () => document.querySelector("[data-board]");
  let pending = null; // {card, from, index}: a drop waiting for its answer or its dialog

  const putBack = () => {
    if (!pending) return;
    const { card, from, index } = pending;
    pending = null;
    card.removeAttribute("aria-busy");
    if (!card.isConnected || !from.isConnected || card.parentElement === from) return;
    from.insertBefore(card, from.children[index] || null);
  };

  // a reason first: into a lost stage (输单原因), or a won / lost card back to an open stage
  const asksReason = (card, list) =>
    list.dataset.kind === "lost" || (card.dataset.status !== "open" && list.dataset.kind === "open");

  const dropped = (event) => {
    const { item: card, from, to } = event;
    const root = board();
    if (from === to || !root || !window.htmx) return;
    pending = { card, from, index: event.oldIndex };
    const url = `${card.dataset.moveUrl}?${root.dataset.query}`;
    const values = { stage: to.dataset.stage, version: card.dataset.version };
    if (asksReason(card, to)) {
      const query = new URLSearchParams(values).toString();
      window.htmx.ajax("GET", `${url}&${query}`, { source: root, target: "#crm-dialog-body" });
      return;
    }
    card.setAttribute("aria-busy", "true");
    window.htmx.ajax("POST", url, { source: root, swap: "none", values });
  };

  const init = (scope) => {
    if (!window.Sortable || !scope.querySelectorAll) return;
    scope.querySelectorAll(".crm-board-list").forEach((list) => {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "on";
      window.Sortable.create(list, {
        group: "crm-board",
        sort: false, // the order within a column is the board's, not a choice
        draggable: "[data-movable]",
        filter: "a, button",
        preventOnFilter: false,
        forceFallback: true, // pointer events: the same on mouse, touch and pen
        fallbackTolerance: 4,
        delay: 200, // on touch screens a short press picks a card up; a swipe scrolls the board
        delayOnTouchOnly: true,
        animation: 120,
        ghostClass: "crm-board-ghost",
        chosenClass: "crm-board-chosen",
        dragClass: "crm-board-drag",
        onEnd: dropped,
      });
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    if (window.htmx) window.htmx.onLoad(init); // the columns come back after every move
  });

  // the dialog closed without moving (取消, Esc): the card goes back where it was
  document.addEventListener("close", (event) => {
    if (event.target.id === "crm-dialog") putBack();
  }, true);
  // refused outright (403, 404, server error, no network): app.js shows why; the card goes back
  document.addEventListener("htmx:responseError", putBack);
  document.addEventListener("htmx:sendError", putBack);

  // the board's answer names what happened: keep it in sight
  document.addEventListener("htmx:oobAfterSwap", (event) => {
    const target = event.detail && event.detail.target;
    if (target && target.id === "messages" && board()) target.scrollIntoView({ block: "nearest" });
  });

  // Ctrl+Enter (⌘+Enter) submits the board's dialogs (records.js does it on the customer page)
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || !board()) return;
    const form = event.target.closest && event.target.closest("#crm-dialog form");
    if (!form || !form.querySelector("[data-ctrl-enter]")) return;
    event.preventDefault();
    if (window.htmx) window.htmx.process(form);
    form.requestSubmit();
  });
})();
