/* fediama: the host's live console (the dashboard of one AMA). New questions waiting for review appear without a
   reload, with their approve and reject forms (built from the page's <template>, so they carry its CSRF token
   and post to the same endpoints as without JavaScript); the scores of the questions on the page follow the votes;
   the tab's title counts the questions waiting; keys move
   between questions and act on the current one. Nothing here moves the focus except a key the host pressed. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  var live = window.fediamaLive;
  var status = document.getElementById("live-status");
  var title = document.title;
  var waiting = root ? Number(root.dataset.waiting || 0) : 0;
  var KEYS = {
    j: function () { move(1); },
    k: function () { move(-1); },
    a: function () { submit(["approve"]); },
    r: function () { submit(["reject"]); },
    s: function () { submit(["star", "unstar"]); },
    n: function () { submit(["now", "not-now"]); },
    Enter: answer
  };

  function showCount() {
    document.title = (waiting > 0 ? "(" + waiting + ") " : "") + title;
  }

  /* The queue's heading counts the questions listed (its filters apply): "1 question" or "N questions". */
  function countListed(step) {
    var heading = document.getElementById("pending-heading");
    if (!heading) { return; }
    var listed = Math.max(0, Number(heading.dataset.listed) + step);
    heading.dataset.listed = listed;
    heading.textContent = listed === 1 ? heading.dataset.one : heading.dataset.many.replace("2", listed);
  }

  /* --- the review queue, live --- */

  function pendingArticle(data) {
    var node = document.getElementById("pending-template").content.firstElementChild.cloneNode(true);
    node.id = "q-" + data.question_id;
    node.querySelector(".pending-name").textContent = data.author.name;
    node.querySelector(".handle").textContent = data.author.handle;
    if (data.held_by) {
      node.querySelector(".pending-held").textContent = data.held_by;
      node.querySelector(".pending-held").hidden = false;
    }
    var content = node.querySelector(".content");
    content.innerHTML = data.content_html;  // sanitised by the server when the question was received
    if (data.language) { content.lang = data.language; }
    node.querySelector(".pending-approve").action = data.approve_url;
    node.querySelector(".pending-reject").action = data.reject_url;
    node.querySelector(".pending-reject select").id = "reason-" + data.question_id;
    node.querySelector(".pending-reason-label").htmlFor = "reason-" + data.question_id;
    return node;
  }

  function questionPending(data) {
    waiting += 1;
    showCount();
    var list = document.getElementById("pending-list");
    if (!list || document.getElementById("q-" + data.question_id)) { return; }
    var empty = list.querySelector(":scope > p.empty");
    if (empty) { empty.remove(); }
    var node = pendingArticle(data);
    list.appendChild(node);
    countListed(1);
    live.highlight(node);
    live.announce(status, status.dataset.newPending);
  }

  function questionModerated(data) {
    waiting = Math.max(0, waiting - 1);
    showCount();
    var node = document.getElementById("q-" + data.question_id);
    if (node && node.classList.contains("pending") && node !== document.activeElement) {
      node.remove();
      countListed(-1);
    }
  }

  /* --- the questions on the page: their score, live --- */

  function votesChanged(data) {
    var count = document.querySelector("#q-" + data.question_id + " .count[data-votes]");
    if (!count) { return; }
    count.dataset.votes = data.vote_count;
    count.textContent = data.label;
  }

  /* --- keys --- */

  function questions() {
    return Array.prototype.slice.call(document.querySelectorAll("main article.question"));
  }

  function current() { return document.querySelector("main article.question.kbd-current"); }

  function select(node) {
    var before = current();
    if (before) { before.classList.remove("kbd-current"); }
    if (!node) { return; }
    node.classList.add("kbd-current");
    node.setAttribute("tabindex", "-1");
    node.focus();
  }

  function move(step) {
    var rows = questions();
    var at = rows.indexOf(current());
    select(rows[Math.min(rows.length - 1, Math.max(0, at < 0 ? (step > 0 ? 0 : rows.length - 1) : at + step))]);
  }

  function submit(actions) {
    var node = current();
    if (!node) { return; }
    var forms = Array.prototype.slice.call(node.querySelectorAll("form[method=post]"));
    var form = forms.find(function (f) {
      return actions.some(function (action) { return f.getAttribute("action").endsWith("/" + action); });
    });
    if (form) { form.requestSubmit(); }
  }

  function answer() {
    var node = current();
    if (!node || document.activeElement !== node) { return false; }
    var field = node.querySelector("textarea");
    if (field) { field.focus(); }
    return !!field;
  }

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var action = KEYS[event.key];
    if (!action) { return; }
    if (event.key === "Enter") {
      if (answer()) { event.preventDefault(); }
      return;
    }
    if (event.target.closest("button, a, summary")) {
      if (event.key !== "j" && event.key !== "k") { return; }
    }
    event.preventDefault();
    action();
  }

  function start() {
    var help = document.getElementById("kbd-help");
    if (help) { help.hidden = false; }
    var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    if (target && target.matches("article.question")) { select(target); }
    document.addEventListener("keydown", onKey);
    showCount();
    if (root && live && window.EventSource) {
      live.listen(root, {
        question_pending: questionPending,
        question_moderated: questionModerated,
        votes_changed: votesChanged,
        scores_changed: function (data) { data.questions.forEach(votesChanged); }
      });
    }
  }

  start();
}());
