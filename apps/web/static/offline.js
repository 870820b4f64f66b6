// The offline page's behaviour (a file, not inline, so a Content-Security-Policy of
// script-src 'self' allows it). Kept in step with app.html and QuickExit.svelte.
(function () {
  var NEUTRAL_URL = "https://www.bbc.co.uk/weather";
  var LEFT_FLAG = "offshift-left";
  try {
    var nav = performance.getEntriesByType("navigation")[0];
    if (sessionStorage.getItem(LEFT_FLAG) && nav && nav.type === "back_forward") {
      document.documentElement.hidden = true;
      location.replace(NEUTRAL_URL);
      return;
    }
  } catch (e) {
    // storage blocked: Quick exit still works
  }

  function leave(event) {
    if (event) event.preventDefault();
    document.body.hidden = true;
    document.title = "Weather";
    try {
      sessionStorage.setItem(LEFT_FLAG, "1");
    } catch (e) {
      // storage blocked
    }
    location.replace(NEUTRAL_URL);
  }

  // Back to the page that was asked for once the web app answers again: the
  // service worker then fetches it from the network, never from a cache.
  var reloading = false;
  function tryAgain() {
    if (reloading) return;
    fetch("/healthz", { cache: "no-store" }).then(
      function (res) {
        if (res.ok && !reloading) {
          reloading = true;
          location.reload();
        }
      },
      function () {
        // still offline
      },
    );
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("quick-exit").addEventListener("click", leave);
    document.getElementById("try-again").addEventListener("click", function (event) {
      event.preventDefault();
      location.reload();
    });
    var last = 0;
    window.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") return;
      var now = Date.now();
      if (now - last < 600) leave();
      last = now;
    });
    window.addEventListener("online", tryAgain);
    setInterval(tryAgain, 5000);
  });
})();
