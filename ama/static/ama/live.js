/* fediama: the public AMA page, live, from its event stream (README "Live updates"). Without JavaScript the page
   is the same, one reload behind. No event ever moves focus. */
(function () {
  "use strict";
  var root = document.querySelector("section.questions[data-live-events]");
  if (!root || !window.EventSource || !window.fediamaLive) { return; }
  var live = window.fediamaLive;
  var status = document.getElementById("live-status");
  var newBar = document.getElementById("live-new");
  var end = document.getElementById("questions-end");
  var sort = root.dataset.liveSort;
  var language = root.dataset.liveLang || "";  // the page's ?lang= filter
  var held = [];  // [article, event data]: questions waiting behind the "N new questions" bar

  var now = document.getElementById("now-answering");
  var voteForm = document.getElementById("live-vote");  // a signed-in viewer's vote form
  var ranked = sort === "top" || sort === "unanswered";  // ordered by score: cards move when votes change
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");
  var moving = [];  // cards whose score changed, to put in their place at the next frame
  var cardUrl = root.dataset.liveCard;  // a card's URL, its id in place of the 0
  var pageStart = (Number(root.dataset.livePage || 1) - 1) * Number(root.dataset.liveSize || 0);
  var pageEnd = pageStart + Number(root.dataset.liveSize || 0);
  var earlier = root.hasAttribute("data-live-earlier");
  var later = root.hasAttribute("data-live-later");
  var outside = {};  // question id -> {side: "out" | "above" | "below", votes}: where its card was
  var fetching = {};  // question id -> [the latest votes_changed data, its event id] while its card is coming
  var edges = [];  // [card, "above" | "below"]: the way its score moved it
  var checking = {};  // question id -> true while asked whether it left this page's range

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

  function topLevel() {  // not a card that left but holds focus
    return Array.prototype.slice.call(root.querySelectorAll(":scope > article.question:not([data-left])"));
  }

  function votesOf(node) {
    var count = node.querySelector(":scope > .votes .count");
    return count ? Number(count.dataset.votes) : 0;
  }

  function receivedAt(node) {
    var time = node.querySelector(":scope > header a.permalink time[datetime]");
    return time ? Date.parse(time.getAttribute("datetime")) : 0;
  }

  /* Whether `a` comes before `b` as sorted_by("top") orders them: votes, then received first, then lower id. */
  function ranksBefore(a, b) {
    if (votesOf(a) !== votesOf(b)) { return votesOf(a) > votesOf(b); }
    if (receivedAt(a) !== receivedAt(b)) { return receivedAt(a) < receivedAt(b); }
    return Number(a.id.slice(2)) < Number(b.id.slice(2));
  }

  /* The first of `rows` (in score order) that `node` ranks before, or the end of the list. */
  function rankedPlace(node, rows) {
    for (var i = 0; i < rows.length; i += 1) {
      if (ranksBefore(node, rows[i])) { return rows[i]; }
    }
    return end;
  }

  /* Where a new top-level question goes on this page, by its sort: [parent, before], or null (another page). */
  function placeFor(fresh) {
    var rows = topLevel();
    if (sort === "newest" || sort === "answered") {
      return root.hasAttribute("data-live-earlier") ? null : [root, rows[0] || end];
    }
    if (ranked && rankedPlace(fresh, rows) !== end) { return [root, rankedPlace(fresh, rows)]; }
    return root.hasAttribute("data-live-later") ? null : [root, end];
  }

  /* --- moving cards by votes (top and unanswered sorts) --- */

  /* The card at the top of the reader's view, which must not move when cards above it do (none at the top). */
  function readerAnchor() {
    var rows = topLevel();
    if (window.scrollY < 1 || !rows.length || rows[0].getBoundingClientRect().top >= 0) { return null; }
    return rows.find(function (row) { return row.getBoundingClientRect().bottom > 0; }) || null;
  }

  function slide(node, distance) {
    var most = window.innerHeight;
    if (!distance || still.matches || !node.animate) { return; }
    distance = Math.max(-most, Math.min(most, distance));
    node.animate([{ transform: "translateY(" + distance + "px)" }, { transform: "none" }],
      { duration: 300, easing: "ease-out" });
  }

  function moveSoon(node) {
    if (!ranked || node.parentNode !== root) { return; }  // a follow-up keeps its place under its question
    if (moving.indexOf(node) < 0) { moving.push(node); }
    if (moving.length === 1) { window.requestAnimationFrame(moveCards); }
  }

  /* Put the cards whose score changed in their place among the others, within this page (one ending at the edge it
     moved towards: mayLeave). The reader's view and focus stay; cards slide (not under prefers-reduced-motion). */
  function moveCards() {
    var nodes = moving.filter(function (node) { return node.parentNode === root; });
    moving = [];
    var anchor = readerAnchor();
    var anchorTop = anchor ? anchor.getBoundingClientRect().top : 0;
    var focused = document.activeElement;
    var from = nodes.map(function (node) { return node.getBoundingClientRect().top; });
    var rows = topLevel().filter(function (row) { return nodes.indexOf(row) < 0; });
    nodes.forEach(function (node) {
      var before = rankedPlace(node, rows);
      if (node.nextElementSibling !== before) { root.insertBefore(node, before); }
      rows.splice(before === end ? rows.length : rows.indexOf(before), 0, node);
    });
    if (anchor) { window.scrollBy(0, anchor.getBoundingClientRect().top - anchorTop); }
    if (focused && focused !== document.activeElement && focused.isConnected) { focused.focus({ preventScroll: true }); }
    nodes.forEach(function (node, i) { slide(node, from[i] - node.getBoundingClientRect().top); });
    var placed = topLevel();
    edges.splice(0).forEach(function (edge) {
      if (placed[edge[1] === "above" ? 0 : placed.length - 1] === edge[0]) { mayLeave(edge[0]); }
    });
  }

  /* --- a signed-in viewer's vote on a question that arrived live --- */

  /* A signed-in viewer gets the page's vote form and report link in place of the fragment's anonymous box. */
  function votable(fresh, data) {
    var box = fresh.querySelector(":scope > .votes");
    if (!voteForm || !data.vote_url || !box || box.querySelector(":scope > form")) { return; }
    var parts = voteForm.content.cloneNode(true);
    var form = parts.querySelector("form");
    var next = form.querySelector("input[name=next]");
    var report = parts.querySelector("a.report-link");
    form.setAttribute("action", data.vote_url);
    next.value = next.value + "#q-" + data.question_id;
    if (report && data.report_url) { report.setAttribute("href", data.report_url); } else if (report) { report.remove(); }
    var anonymous = box.querySelector(":scope > .vote-from");
    if (anonymous) { anonymous.replaceWith(parts); } else { box.querySelector(".count").after(parts); }
  }

  /* --- follow-ups, nested as the server nests them (_question.html) --- */

  function counted(n, one, many) { return n === 1 ? status.dataset[one] : status.dataset[many].replace("{n}", n); }

  /* How many levels of follow-ups the page still shows under `node`. */
  function depthOf(node) {
    var depth = Number(root.dataset.liveDepth || 0);
    for (var up = node.parentElement; up && up !== root; up = up.parentElement) {
      if (up.matches("details.follow-ups")) { depth -= 1; }
    }
    return depth;
  }

  /* The "N follow-ups" summary says how many it holds; an empty one goes. */
  function countFollowUps(box) {
    var n = box.querySelectorAll(":scope > article.question").length;
    if (!n) { return box.remove(); }
    box.hidden = false;
    box.querySelector(":scope > summary").textContent = counted(n, "followUpOne", "followUpMany");
    if (!box.open) { live.highlight(box.querySelector(":scope > summary")); }
  }

  /* Deeper than the page shows: its "N more replies" link counts one more. */
  function moreReplies(parent) {
    var link = parent.querySelector(":scope > p.more > a");
    if (!link) {
      var line = document.createElement("p");
      line.className = "more";
      link = line.appendChild(document.createElement("a"));
      link.href = parent.querySelector(":scope > header a.permalink").getAttribute("href");
      parent.appendChild(line);
    }
    link.textContent = counted((parseInt(link.textContent, 10) || 0) + 1, "moreOne", "moreMany");
    live.highlight(link.parentNode);
  }

  /* A follow-up goes into its question's "N follow-ups" details (made if none), or, deeper than the page shows,
     only into the count of its "more replies" link (once: `published`). */
  function followUpPlace(parentId, published) {
    var parent = article(parentId);
    if (depthOf(parent) <= 0) {
      if (published) { moreReplies(parent); }
      return null;
    }
    var box = parent.querySelector(":scope > details.follow-ups");
    if (!box) {
      box = parent.appendChild(document.createElement("details"));
      box.className = "follow-ups";
      box.hidden = true;
      box.appendChild(document.createElement("summary"));
    }
    return [box, null];
  }

  /* Above the reader's view: inserting there would push what they are reading down. */
  function abovePosition(parent, before) {
    if (window.scrollY < 1) { return false; }
    var last = before === end ? end.previousElementSibling : (before ? null : parent.lastElementChild);  // end: hidden
    var edge = last ? last.getBoundingClientRect().bottom
      : (before || parent).getBoundingClientRect().top;
    return edge < 0;
  }

  function insert(fresh, place) {
    var empty = root.querySelector(":scope > p.empty");
    if (empty) { empty.remove(); }
    place[0].insertBefore(fresh, place[1]);
    live.highlight(fresh);
    if (place[0].matches("details.follow-ups")) { countFollowUps(place[0]); }
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

  /* Threaded sorts put a follow-up under its question (if here); flat sorts and a language filter list it. */
  function placeOf(fresh, data) {
    if (data.within) { return [root, rankedPlace(fresh, topLevel())]; }  // moved in: in this page's range
    if (language && fresh.dataset.language !== language) { return null; }
    var flat = sort === "unanswered" || sort === "answered" || Boolean(language);
    if (!data.parent_id || flat) { return placeFor(fresh); }
    return article(data.parent_id) ? followUpPlace(data.parent_id, data.published) : null;
  }

  /* Insert now, or hold it behind the bar when it would land above what the reader is reading. */
  function place(fresh, data, at) {
    var where = at || placeOf(fresh, data);
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
    votable(fresh, data);
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
    var box = old && old.parentNode;
    if (old) { old.remove(); }
    if (box && box.matches("details.follow-ups")) { countFollowUps(box); }
    held = held.filter(function (entry) { return entry[0].id !== "q-" + data.question_id; });
    showNewBar();
    clearNowIf(data.question_id);
  }

  function heldArticle(id) {
    var entry = held.find(function (pair) { return pair[0].id === "q-" + id; });
    return entry ? entry[0] : null;
  }

  /* --- a card coming in from another page (pages by score, one of several) --- */

  /* The reader's view stays where it was while cards above it go. */
  function keepingPlace(change) {
    var anchor = readerAnchor();
    var top = anchor ? anchor.getBoundingClientRect().top : 0;
    change();
    if (anchor && anchor.isConnected) { window.scrollBy(0, anchor.getBoundingClientRect().top - top); }
  }

  /* A card pushed past this page's range goes; one holding focus stays (marked, uncounted) until focus leaves. */
  function leave(node, side) {
    outside[node.id.slice(2)] = { side: side, votes: votesOf(node) };
    node.setAttribute("data-left", side);
    if (!node.contains(document.activeElement)) { return node.remove(); }
    node.addEventListener("focusout", function away(event) {
      if (node.contains(event.relatedTarget)) { return; }
      node.removeEventListener("focusout", away);
      node.remove();
    });
  }

  /* A card from another page now ranked in this page's range takes its place by score (held behind the bar above
     the reader), and the cards it pushed out go: the first ones if it came from an earlier page, else the last. */
  function moveIn(card, votes) {
    var id = card.question_id;
    var side = sideOf(card);
    if (side) { outside[id] = { side: side, votes: votes }; }
    if (side || article(id) || heldArticle(id)) { return false; }
    var fresh = live.parse(card.html);
    fresh.querySelectorAll("input[name=next]").forEach(function (input) {  // back to this page
      input.value = location.pathname + location.search + input.value.slice(input.value.indexOf("#"));
    });
    var rows = topLevel();
    var before = rankedPlace(fresh, rows);
    var above = Math.max(0, pageStart - (card.rank - (before === end ? rows.length : rows.indexOf(before))));
    var below = Math.max(0, rows.length - above + 1 - (pageEnd - pageStart));
    delete outside[id];
    place(fresh, { question_id: id, within: true }, [root, before]);  // first: the page never gets shorter
    keepingPlace(function () {
      rows.slice(0, above).forEach(function (node) { leave(node, "above"); });
      rows.slice(rows.length - below).forEach(function (node) { leave(node, "below"); });
    });
    return true;
  }

  /* A card of this page's list (ama/views/cards.py), by question id or (`at`) by place; revalidated (no-cache). */
  function cardRequest(id, at) {
    var url = at === undefined ? cardUrl.replace(/\/0\/card$/, "/" + id + "/card")
      : cardUrl.replace(/\/questions\/0\/card$/, "/cards/" + at);
    var query = "?sort=" + encodeURIComponent(root.dataset.liveList) + (language ? "&lang=" + encodeURIComponent(language) : "");
    return fetch(url + query, { cache: "no-cache", headers: { Accept: "application/json" } });
  }

  /* Where a card's rank puts it: "" in this page's range, "above" or "below" it, "out" of the list. */
  function sideOf(card) {
    return card.rank === null ? "out" : card.rank < pageStart ? "above" : card.rank >= pageEnd ? "below" : "";
  }

  /* A card its score took to this page's first place (rising) or last (falling), with a page beyond: if its rank is
     now outside the range, it goes and the card now at that edge comes in. */
  function mayLeave(node) {
    var id = node.id.slice(2);
    if (!cardUrl || checking[id]) { return; }
    checking[id] = true;
    cardRequest(id).then(function (response) { return response.ok ? response.json() : null; }).then(function (card) {
      delete checking[id];
      var side = card ? sideOf(card) : "";
      if (!side || !node.isConnected || node.hasAttribute("data-left")) { return; }
      keepingPlace(function () { leave(node, side); });
      if (side === "out") { return; }
      cardRequest(null, side === "above" ? pageStart : pageEnd - 1).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (next) { if (next && next.html) { moveIn(next, null); } }).catch(function () {});
    }).catch(function () { delete checking[id]; });
  }

  function fetchCard(id) {
    cardRequest(id).then(function (response) {
      var version = /^W\/"(\d+)-/.exec(response.headers.get("ETag") || "");
      return response.ok ? response.json().then(function (card) { return [card, version ? Number(version[1]) : 0]; })
        : null;
    }).then(function (got) {
      var latest = fetching[id];
      delete fetching[id];
      if (got && moveIn(got[0], latest[0].vote_count) && latest[1] > got[1]) { votesChanged(latest[0]); }
    }).catch(function () { delete fetching[id]; });
  }

  /* A question this page does not hold (pages by score, several): unless its votes keep it outside the range of
     this page's cards, or it is moving further away, ask for its card. */
  function mayMoveIn(data, event) {
    var id = data.question_id;
    var votes = data.vote_count;
    var was = outside[id];
    var rows = topLevel();
    if (fetching[id]) { fetching[id] = [data, Number(event && event.lastEventId)]; }
    if (!ranked || !(earlier || later) || !cardUrl || fetching[id] || (was && was.side === "out")) { return; }
    if (was && (was.side === "above" ? votes >= was.votes : votes <= was.votes)) { return; }
    if (rows.length && ((later && votes < votesOf(rows[rows.length - 1])) || (earlier && votes > votesOf(rows[0])))) {
      return;
    }
    fetching[id] = [data, Number(event && event.lastEventId)];
    fetchCard(id);
  }

  /* The count changes in place (on a held question too); on a page by score the card then moves. */
  function votesChanged(data, event) {
    var old = article(data.question_id) || heldArticle(data.question_id);
    if (!old) { return mayMoveIn(data, event); }
    moveSoon(old);
    var count = old && old.querySelector(":scope > .votes .count");
    if (!count) { return; }
    var rising = data.vote_count > Number(count.dataset.votes);
    if (ranked && (rising ? earlier : later) && old.parentNode === root) {
      edges.push([old, rising ? "above" : "below"]);
    }
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

  /* An answer's likes ("found helpful by 9"): its own line only. */
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
    question_published: function (data) {
      data.published = true;
      questionShown(data, status.dataset.newQuestion);
    },
    answer_likes_changed: answerLikesChanged,
    question_updated: function (data) { questionShown(data, ""); },
    answer_published: function (data) { questionShown(data, status.dataset.newAnswer, data.answer_id); },
    answer_edited: function (data) { questionShown(data, "", data.answer_id); },
    answer_deleted: function (data) { questionShown(data, "", 0); },
    question_hidden: questionGone,
    question_removed: questionGone,
    question_merged: questionGone,
    votes_changed: votesChanged,
    scores_changed: function (data, event) {
      data.questions.forEach(function (row) { votesChanged(row, event); });
    },
    now_answering: nowAnswering,
    ama_closed: function () {
      if (now) { now.hidden = true; }
      document.getElementById("live-stale").hidden = false;
    }
  });
  newBar.addEventListener("click", revealHeld);
}());
