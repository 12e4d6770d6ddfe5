// The exam timer: counts down the seconds the server says remain (a reload asks again, so the
// deadline is the server's), and hands the paper in when they run out.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function start() {
    var timer = document.getElementById("exam-timer");
    if (!timer) { return; }
    var end = Date.now() + parseInt(timer.dataset.remaining, 10) * 1000;
    var shown = timer.querySelector("[data-clock]");
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      shown.textContent = (h ? h + ":" : "") + pad(m) + ":" + pad(s);
      timer.classList.toggle("text-danger", left <= 300);
      if (left === 0) {
        var form = document.getElementById("submit-form");
        if (form && !form.dataset.sent) { form.dataset.sent = "1"; form.submit(); }
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
