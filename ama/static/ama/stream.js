/* fediama: what the live pages share (the public page, the stage view, the host's console). One EventSource on
   the page's stream, opened at the version the page was rendered at (data-live-version) so nothing between the
   render and the connection is missed, in the page's language (<html lang>: the fragments it inserts are rendered
   in it); the browser resumes with Last-Event-ID after a drop. */
(function () {
  "use strict";
  var STALE = ["reset", "ama_opened", "ama_closed", "ama_updated"];

  function parse(html) {
    var box = document.createElement("template");
    box.innerHTML = html || "";
    return box.content.firstElementChild;
  }

  function highlight(node) {
    if (!node) { return; }
    node.classList.remove("live-new");
    void node.offsetWidth;  // restart the animation
    node.classList.add("live-new");
    node.addEventListener("animationend", function () { node.classList.remove("live-new"); }, { once: true });
  }

  function announce(region, message) {
    if (!region || !message) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  function showBar(id) {
    var bar = document.getElementById(id);
    if (bar) { bar.hidden = false; }
  }

  /* handlers: {kind: function (data, event)}; the kinds that change the whole page show the "reload" bar
     unless a handler takes them; ama_deleted shows the "gone" bar and closes the stream. */
  function listen(root, handlers) {
    var url = root.dataset.liveEvents + "?last_event_id=" + encodeURIComponent(root.dataset.liveVersion || "0") +
      "&locale=" + encodeURIComponent(document.documentElement.lang || "");  // fragments in the page's language
    var source = new EventSource(url);
    Object.keys(handlers).forEach(function (kind) {
      source.addEventListener(kind, function (event) { handlers[kind](JSON.parse(event.data || "{}"), event); });
    });
    STALE.forEach(function (kind) {
      if (!handlers[kind]) { source.addEventListener(kind, function () { showBar("live-stale"); }); }
    });
    source.addEventListener("ama_deleted", function () {
      source.close();
      showBar("live-gone");
    });
    return source;
  }

  window.fediamaLive = { parse: parse, highlight: highlight, announce: announce, listen: listen };
}());
