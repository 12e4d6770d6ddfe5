// Fazhi: behaviour without inline scripts (the CSP allows scripts from 'self' only).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
  const initPopovers = (root) => {
    root.querySelectorAll('[data-bs-toggle="popover"]').forEach((el) => {
      if (window.bootstrap) bootstrap.Popover.getOrCreateInstance(el, { trigger: "hover focus", html: false });
    });
  };
  initPopovers(document);
  document.body.addEventListener("htmx:afterSwap", (evt) => initPopovers(evt.target));
});

// After a form comes back with an error (a refusal or a field error), bring the first one into
// view and put the focus on its field (or on the refusal itself), so it is not missed.
(() => {
  const focusFirstError = (form) => {
    const fieldError = form.querySelector(".invalid-feedback[data-field]");
    const field = fieldError ? form.querySelector(`[name="${fieldError.dataset.field}"]`) : null;
    const target = field || form.querySelector('[data-testid="refusal"], .invalid-feedback, .alert-danger');
    if (!target) return;
    if (!field && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  };
  const formsIn = (el) => {
    if (!el || !el.querySelectorAll) return [];
    if (el.matches("form[data-focus-errors]")) return [el];
    return Array.from(el.querySelectorAll("form[data-focus-errors]"));
  };
  // An inline check answers for the values it was sent with: a multiple choice the user made
  // while it ran (e.g. the handlers) stays made, unless the answer disables the option.
  document.addEventListener("htmx:oobBeforeSwap", (evt) => {
    const old = evt.detail.target;
    const fresh = evt.detail.fragment;
    if (!old || !fresh || !old.querySelectorAll || !fresh.querySelectorAll) return;
    old.querySelectorAll("select[multiple][id]").forEach((sel) => {
      const chosen = new Set(Array.from(sel.selectedOptions).map((o) => o.value));
      const twin = fresh.querySelector("#" + CSS.escape(sel.id));
      if (!twin) return;
      Array.from(twin.options).forEach((o) => {
        o.selected = !o.disabled && chosen.has(o.value);
        if (o.selected) o.setAttribute("selected", "");
        else o.removeAttribute("selected");
      });
    });
  });
  document.addEventListener("DOMContentLoaded", () => {
    formsIn(document.body).slice(0, 1).forEach(focusFirstError);
    document.body.addEventListener("htmx:afterSettle", (evt) => {
      const id = evt.detail.target && evt.detail.target.id;
      const swapped = (id && document.getElementById(id)) || evt.detail.elt;
      if (evt.detail.requestConfig && evt.detail.requestConfig.verb !== "post") return;
      formsIn(swapped).slice(0, 1).forEach(focusFirstError);
    });
  });
})();
