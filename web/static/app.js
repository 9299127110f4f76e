// talash: results while typing. The page works without this file; with it, the results area is
// refreshed from the server-rendered page for what is in the box (same URL a submit would load).
// One typing burst adds one history entry (pushState, then replaceState), so Back returns to the
// results from before the burst; going back or forward redraws that entry's results.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  var box = document.getElementById("q");
  var live = document.getElementById("live-status");
  if (!form || !box || !window.fetch || !window.history.pushState || !window.DOMParser) return;

  var DELAY_MS = 250;
  var timer = null;
  var controller = null;
  var burst = false;  // true while the current history entry belongs to this typing burst
  var latest = 0;

  function urlForForm() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") params.append(key, value);
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("results");
    var current = document.getElementById("results");
    if (!fresh || !current) return false;
    current.replaceWith(document.adoptNode(fresh));
    document.title = doc.title;
    var summary = fresh.querySelector(".summary, .none, h1");
    if (live && summary) live.textContent = summary.textContent.replace(/\s+/g, " ").trim();
    return true;
  }

  function load(url, history) {
    if (controller) controller.abort();
    controller = new AbortController();
    var ticket = ++latest;
    fetch(url, { signal: controller.signal, headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (ticket !== latest || !swap(html)) return;
        if (history === "push") window.history.pushState({ talash: true }, "", url);
        else if (history === "replace") window.history.replaceState({ talash: true }, "", url);
      })
      .catch(function () { /* aborted or offline: the form still submits normally */ });
  }

  box.addEventListener("input", function (event) {
    if (event.isComposing) return;  // wait for the input method to finish the word
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var url = urlForForm();
      if (url === location.pathname + location.search) return;
      load(url, burst ? "replace" : "push");
      burst = true;
    }, DELAY_MS);
  });

  // Leaving the box ends the burst: the next typing gets its own history entry.
  box.addEventListener("blur", function () { burst = false; });
  form.addEventListener("submit", function () { window.clearTimeout(timer); burst = false; });

  window.addEventListener("popstate", function () {
    window.clearTimeout(timer);
    burst = false;
    box.value = new URLSearchParams(location.search).get("q") || "";
    load(location.pathname + location.search, null);
  });
})();
