// Checklist autosave. An item's form is saved when focus leaves it after a change, or with its
// Save button; never on each change. So arrow keys in the status radios move through the options
// without writing anything, and a reason typed after the change is saved with that change.
// Without JavaScript the Save button posts the whole form (one save, one history entry).
(() => {
  "use strict";
  const SELECTOR = "form[data-autosave]";
  const formOf = (element) => (element instanceof Element ? element.closest(SELECTOR) : null);

  const markChanged = (event) => {
    const form = formOf(event.target);
    if (form) form.dataset.changed = "true";
  };
  document.addEventListener("input", markChanged);
  document.addEventListener("change", markChanged);

  const save = (form) => {
    delete form.dataset.changed;
    window.htmx.trigger(form, "autosave");
  };
  document.addEventListener("focusout", (event) => {
    const form = formOf(event.target);
    if (form && form.dataset.changed && !form.contains(event.relatedTarget)) save(form);
  });
  // Choosing a file is a deliberate choice (no arrow keys involved): upload it straight away.
  document.addEventListener("change", (event) => {
    const form = formOf(event.target);
    if (form && event.target.type === "file" && event.target.files.length) save(form);
  });

  document.addEventListener("submit", (event) => {
    const form = formOf(event.target);
    if (form) delete form.dataset.changed;
  }, true);

  // Leaving the page with a changed form (closing the tab, following a link): send it as a plain
  // post, so nothing the user chose is lost. Saving the same values twice is not a change.
  window.addEventListener("pagehide", () => {
    for (const form of document.querySelectorAll(`${SELECTOR}[data-changed]`)) {
      delete form.dataset.changed;
      navigator.sendBeacon(form.action, new FormData(form));
    }
  });
})();
