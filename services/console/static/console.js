// The console's little script: the form token on htmx requests, focus on the first problem
// or a new person's first field, and live updates for the case page (server-sent events,
// or a periodic refresh when the orchestrator cannot stream).
(function () {
  "use strict";
  var REFRESH_MS = 15000;

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.content; }
  });

  function focusFirst() {
    var problem = document.getElementById("problem");
    if (problem) { problem.focus(); return; }
    var form = document.querySelector("form[data-focus]");
    if (form) {
      var field = document.getElementById(form.getAttribute("data-focus"));
      if (field) { field.focus(); }
    }
  }

  function follow(body) {
    var status = document.getElementById("live-status");
    var caseId = body.getAttribute("data-case-id");
    function say(text) { if (status) { status.textContent = text; } }
    function refresh() { if (window.htmx) { window.htmx.trigger(document.body, "refresh-case"); } }
    var polling = null;
    function poll(reason) {
      if (polling) { return; }
      say(reason + " This page refreshes every " + REFRESH_MS / 1000 + " seconds instead.");
      polling = window.setInterval(refresh, REFRESH_MS);
    }
    if (!window.EventSource) { poll("Live updates are not supported by this browser."); return; }
    var source = new EventSource("/cases/" + encodeURIComponent(caseId) + "/events");
    source.addEventListener("open", function () { say("Following this case: changes appear here as they happen."); });
    source.addEventListener("update", function () { refresh(); });
    source.addEventListener("unavailable", function (event) {
      source.close();
      var text = "Live updates are not available.";
      try { text = JSON.parse(event.data).message || text; } catch (e) { /* keep the plain text */ }
      poll("Live updates are not available (" + text.replace(/\.$/, "") + ").");
    });
    source.addEventListener("signedout", function () {
      // The sign-in ended (signed out elsewhere, or expired): nothing more is shown here
      // until the caseworker signs in again, which the page's own request will ask for.
      source.close();
      say("Live updates stopped: you are no longer signed in.");
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) { poll("Live updates stopped."); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirst();
    var body = document.getElementById("case-body");
    if (body) { follow(body); }
  });
})();
