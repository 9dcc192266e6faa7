/* fediama: the public AMA page, live. Listens to the page's event stream (README "Live updates") and puts new
   questions and answers in place, moves vote counts, takes removed questions off and keeps "Now answering"
   pinned. Without JavaScript the page is the same, one reload behind. No focus is ever moved by an event. */
(function () {
  "use strict";
  var root = document.querySelector("section.questions[data-live-events]");
  if (!root || !window.EventSource || !window.fediamaLive) { return; }
  var live = window.fediamaLive;
  var status = document.getElementById("live-status");
  var newBar = document.getElementById("live-new");
  var end = document.getElementById("questions-end");
  var sort = root.dataset.liveSort;
  var language = root.dataset.liveLang || "";  // the page's language filter (?lang=): only its questions come in
  var held = [];  // [article, event data]: questions waiting behind the "N new questions" bar

  var now = document.getElementById("now-answering");

  function article(id) { return id ? document.getElementById("q-" + id) : null; }

  function child(node, selector) { return node.querySelector(":scope > " + selector); }

  /* Put `fresh`'s own parts (header, text, answers, count) into `old`, keeping its vote form and follow-ups. */
  function refreshQuestion(old, fresh) {
    if (!fresh) { return; }
    old.className = fresh.className;
    old.replaceChild(child(fresh, "header"), child(old, "header"));
    var text = child(old, ".content");
    var freshText = child(fresh, ".content");
    if (text && freshText) { old.replaceChild(freshText, text); }
    if (text && !freshText) { text.remove(); }
    if (!text && freshText) { child(old, "header").after(freshText); }
    old.querySelectorAll(":scope > section.answer").forEach(function (node) { node.remove(); });
    var after = child(old, ".votes");
    fresh.querySelectorAll(":scope > section.answer").forEach(function (node) {
      after.after(node);
      after = node;
    });
    var count = child(fresh, ".votes").querySelector(".count");
    child(old, ".votes").querySelector(".count").replaceWith(count);
  }

  function removeBadge(badge) {
    var before = badge.previousSibling;
    if (before && before.nodeType === Node.TEXT_NODE) { before.textContent = before.textContent.replace(/·\s*$/, ""); }
    badge.remove();
  }

  function showNow(data) {
    if (!now) { return; }
    var fresh = data.question_id ? live.parse(data.html) : null;
    now.hidden = !fresh;
    if (!fresh) { return; }
    var link = now.querySelector(".now-question");
    var asker = fresh.querySelector(".asker a");
    var text = fresh.querySelector(":scope > .content");
    link.href = fresh.querySelector("a.permalink").getAttribute("href");
    link.dataset.questionId = data.question_id;
    now.querySelector(".now-asker").textContent = asker ? asker.textContent.trim() : "";
    now.querySelector(".now-text").textContent = text ? text.textContent.trim() : "";
    live.highlight(now);
  }

  function clearNowIf(questionId) {
    if (now && String(now.querySelector(".now-question").dataset.questionId) === String(questionId)) {
      now.hidden = true;
    }
  }

  function topLevel() {
    return Array.prototype.slice.call(root.querySelectorAll(":scope > article.question"));
  }

  function votesOf(node) {
    var count = node.querySelector(":scope > .votes .count");
    return count ? Number(count.dataset.votes) : 0;
  }

  /* Where a new top-level question goes on this page, by its sort: [parent, before], or null (another page). */
  function placeFor(fresh) {
    var rows = topLevel();
    if (sort === "newest" || sort === "answered") {
      return root.hasAttribute("data-live-earlier") ? null : [root, rows[0] || end];
    }
    if (sort === "top" || sort === "unanswered") {
      var votes = votesOf(fresh);
      for (var i = 0; i < rows.length; i += 1) {
        if (votesOf(rows[i]) < votes) { return [root, rows[i]]; }
      }
    }
    return root.hasAttribute("data-live-later") ? null : [root, end];
  }

  function followUpPlace(parentId) {
    var parent = article(parentId);
    var box = parent.querySelector(":scope > .follow-ups");
    if (!box) {
      box = document.createElement("div");
      box.className = "follow-ups";
      parent.appendChild(box);
    }
    return [box, null];
  }

  /* Above the reader's view: inserting there would push what they are reading down. */
  function abovePosition(parent, before) {
    if (window.scrollY < 1) { return false; }
    var last = parent.lastElementChild;
    var edge = before ? before.getBoundingClientRect().top
      : (last ? last.getBoundingClientRect().bottom : parent.getBoundingClientRect().top);
    return edge < 0;
  }

  function insert(fresh, place) {
    var empty = root.querySelector(":scope > p.empty");
    if (empty) { empty.remove(); }
    place[0].insertBefore(fresh, place[1]);
    live.highlight(fresh);
  }

  function showNewBar() {
    newBar.hidden = held.length === 0;
    var text = held.length === 1 ? status.dataset.oneNew : status.dataset.manyNew.replace("{n}", held.length);
    newBar.textContent = text;
  }

  function revealHeld() {
    var shown = [];
    held.forEach(function (entry) {
      var where = placeOf(entry[0], entry[1]);
      if (where && !document.getElementById(entry[0].id)) {
        insert(entry[0], where);
        shown.push(entry[0]);
      }
    });
    held = [];
    showNewBar();
    shown.sort(function (a, b) { return a.getBoundingClientRect().top - b.getBoundingClientRect().top; });
    if (shown.length) {
      shown[0].setAttribute("tabindex", "-1");
      shown[0].focus();  // the reader asked for them
    }
  }

  /* Threaded sorts put a follow-up under its question (not on this page: nowhere); flat sorts and a language
     filter list it; a question in another language than the filter's goes nowhere. */
  function placeOf(fresh, data) {
    if (language && fresh.dataset.language !== language) { return null; }
    var flat = sort === "unanswered" || sort === "answered" || Boolean(language);
    if (!data.parent_id || flat) { return placeFor(fresh); }
    return article(data.parent_id) ? followUpPlace(data.parent_id) : null;
  }

  /* Insert now, or hold it behind the bar when it would land above what the reader is reading. */
  function place(fresh, data) {
    var where = placeOf(fresh, data);
    if (!where) { return false; }
    if (abovePosition(where[0], where[1])) {
      held.push([fresh, data]);
      showNewBar();
    } else {
      insert(fresh, where);
    }
    return true;
  }

  function questionShown(data, message, answerId) {
    var fresh = live.parse(data.html);
    if (!fresh) { return; }
    var old = article(data.question_id);
    if (old) {
      refreshQuestion(old, fresh);
      live.highlight(answerId ? document.getElementById("a-" + answerId) || old : old);
    } else if (!answerId || sort === "answered") {
      if (!place(fresh, data)) { return; }
    } else {
      return;
    }
    if (message) { live.announce(status, message); }
  }

  function questionGone(data) {
    var old = article(data.question_id);
    if (old) { old.remove(); }
    held = held.filter(function (entry) { return entry[0].id !== "q-" + data.question_id; });
    showNewBar();
    clearNowIf(data.question_id);
  }

  function votesChanged(data) {
    var old = article(data.question_id);
    var count = old && old.querySelector(":scope > .votes .count");
    if (!count) { return; }
    count.dataset.votes = data.vote_count;
    count.textContent = data.label;
    if (data.parts) {
      count.title = data.parts;
      count.setAttribute("aria-label", data.parts);
    } else {
      count.removeAttribute("title");
      count.removeAttribute("aria-label");
    }
  }

  /* An answer's likes ("found helpful by 9"): its own line only; the question's place never moves for them. */
  function answerLikesChanged(data) {
    var line = document.querySelector("#a-" + data.answer_id + " > .helpful");
    if (!line) { return; }
    line.dataset.likes = data.like_count;
    line.textContent = data.label;
    line.hidden = !data.like_count;
  }

  function nowAnswering(data) {
    document.querySelectorAll(".question .badge.live").forEach(function (badge) {
      removeBadge(badge);
    });
    showNow(data);
    if (data.question_id) {
      var old = article(data.question_id);
      if (old) { refreshQuestion(old, live.parse(data.html)); }
      live.announce(status, status.dataset.nowAnswering);
    }
  }

  live.listen(root, {
    question_published: function (data) { questionShown(data, status.dataset.newQuestion); },
    answer_likes_changed: answerLikesChanged,
    question_updated: function (data) { questionShown(data, ""); },
    answer_published: function (data) { questionShown(data, status.dataset.newAnswer, data.answer_id); },
    answer_edited: function (data) { questionShown(data, "", data.answer_id); },
    answer_deleted: function (data) { questionShown(data, "", 0); },
    question_hidden: questionGone,
    question_removed: questionGone,
    question_merged: questionGone,
    votes_changed: votesChanged,
    scores_changed: function (data) { data.questions.forEach(votesChanged); },
    now_answering: nowAnswering,
    ama_closed: function () {
      if (now) { now.hidden = true; }
      document.getElementById("live-stale").hidden = false;
    }
  });
  newBar.addEventListener("click", revealHeld);
}());
