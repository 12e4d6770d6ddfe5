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
