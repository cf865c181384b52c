// The customer create / edit form (templates/customers/form.html). Progressive: the form works
// without it; htmx does the requests, this only keeps the field styling and keyboard in step.
(() => {
  "use strict";

  // After htmx swaps a field's feedback, mark its input valid / invalid for Tabler's styles.
  const syncFeedback = (box) => {
    const name = box.getAttribute("data-feedback-for");
    const form = box.closest("form");
    const input = form && form.elements.namedItem(name);
    if (!input || !input.classList) return;
    const state = box.querySelector("[data-state]");
    const value = state ? state.getAttribute("data-state") : "";
    input.classList.toggle("is-invalid", value === "invalid");
    input.classList.toggle("is-valid", value === "valid");
    if (value === "invalid") input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-feedback-for")) syncFeedback(target);
  });

  // Industry filter: Enter or ArrowDown moves to the select (Enter must not submit the form),
  // Escape clears the filter.
  document.addEventListener("keydown", (event) => {
    const filter = event.target.closest && event.target.closest("[data-industry-filter]");
    if (!filter) return;
    const select = document.getElementById(filter.getAttribute("data-industry-filter"));
    if (event.key === "Enter" || event.key === "ArrowDown") {
      event.preventDefault();
      if (select) select.focus();
    } else if (event.key === "Escape" && filter.value) {
      event.preventDefault();
      filter.value = "";
      filter.dispatchEvent(new Event("search", { bubbles: true }));
    }
  });

  // A new province empties the city until the new options arrive.
  document.addEventListener("change", (event) => {
    const province = event.target.closest && event.target.closest("select[aria-controls][hx-get]");
    if (!province) return;
    const city = document.getElementById(province.getAttribute("aria-controls"));
    if (city) city.value = "";
  });
})();
