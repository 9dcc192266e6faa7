/* fediama: the stage view, live. The question being answered, its answer as it is published, and the next
   questions by votes, all from the public event stream; anything that changes the whole AMA reloads the view
   (nobody is reading a half-scrolled page on a projector). */
(function () {
  "use strict";
  var root = document.querySelector("main.stage[data-live-events]");
  if (!root || !window.EventSource || !window.fediamaLive) { return; }
  var live = window.fediamaLive;
  var current = document.getElementById("stage-current");
  var idle = document.getElementById("stage-idle");
  var queue = document.getElementById("stage-queue");
  var queueEmpty = document.getElementById("stage-queue-empty");
  var heading = document.getElementById("stage-now-heading");
  var size = Number(queue.dataset.size || 10);  // the questions the server renders in the queue
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");
  var fetching = {};  // question id -> true while its card is on its way

  function isCurrent(id) { return String(current.dataset.questionId) === String(id); }

  function queued(id) { return queue.querySelector('li[data-question-id="' + id + '"]'); }

  function textOf(fresh) {
    var content = fresh.querySelector(":scope > .content");
    return content ? content.textContent.trim() : "";
  }

  function askerOf(fresh) {
    var name = fresh.querySelector(".asker a");
    return name ? name.textContent.trim() : "";
  }

  function showAnswers(fresh) {
    var box = current.querySelector(".stage-answer");
    box.textContent = "";
    fresh.querySelectorAll(":scope > section.answer > .content").forEach(function (content) {
      var part = document.createElement("div");
      part.className = "stage-answer-part";
      part.innerHTML = content.innerHTML;
      box.appendChild(part);
      live.highlight(part);
    });
  }

  function showCurrent(data) {
    var fresh = data.question_id ? live.parse(data.html) : null;
    var answered = current.querySelector(".stage-answer-part");
    heading.textContent = fresh || !answered ? heading.dataset.now : heading.dataset.done;
    if (!fresh && answered) { return; }  // keep the answer up until the next question
    current.hidden = !fresh;
    idle.hidden = !!fresh;
    current.dataset.questionId = fresh ? data.question_id : "";
    if (!fresh) { return; }
    var handle = fresh.querySelector(".asker .handle");
    var asker = current.querySelector(".stage-asker");
    asker.textContent = askerOf(fresh) + " ";
    if (handle) { asker.appendChild(handle); }
    var content = fresh.querySelector(":scope > .content");
    current.querySelector(".stage-question").innerHTML = content ? content.innerHTML : "";
    showAnswers(fresh);
    dequeue(data);
    live.highlight(current);
  }

  /* The server's order (sorted_by("unanswered")): more votes first, then the question received first, then the
     lower id. */
  function inOrder(a, b) {
    var votes = Number(b.dataset.votes) - Number(a.dataset.votes);
    var received = (Date.parse(a.dataset.received) || 0) - (Date.parse(b.dataset.received) || 0);
    return votes || received || Number(a.dataset.questionId) - Number(b.dataset.questionId);
  }

  function topOf(item) { return item.getClientRects().length ? item.getBoundingClientRect().top : null; }

  /* Put the queue in order, keep the server's number of questions in it, and slide each shown question from where
     it was (not under prefers-reduced-motion; one coming into view or leaving it just appears or goes). */
  function sortQueue() {
    var items = Array.prototype.slice.call(queue.children);
    var from = items.map(topOf);
    items.slice().sort(inOrder).forEach(function (item) { queue.appendChild(item); });
    while (queue.children.length > size) { queue.lastElementChild.remove(); }
    queueEmpty.hidden = queue.children.length > 0;
    items.forEach(function (item, i) {
      var to = item.isConnected ? topOf(item) : null;
      if (from[i] === null || to === null || from[i] === to || still.matches || !item.animate) { return; }
      item.animate([{ transform: "translateY(" + (from[i] - to) + "px)" }, { transform: "none" }],
        { duration: 400, easing: "ease-out" });
    });
  }

  function item(data, fresh) {
    var row = document.createElement("li");
    var count = fresh.querySelector(":scope > .votes .count");
    row.dataset.questionId = data.question_id;
    var time = fresh.querySelector(":scope > header a.permalink time[datetime]");
    row.dataset.votes = count ? count.dataset.votes : "0";
    row.dataset.received = time ? time.getAttribute("datetime") : "";
    [["stage-votes", row.dataset.votes], ["stage-next-text", textOf(fresh)], ["stage-next-by", askerOf(fresh)]]
      .forEach(function (part) {
        var span = document.createElement("span");
        span.className = part[0];
        span.textContent = part[1];
        row.appendChild(span);
        row.appendChild(document.createTextNode(" "));
      });
    return row;
  }

  function enqueue(data) {
    var fresh = live.parse(data.html);
    if (!fresh || isCurrent(data.question_id)) { return; }
    var old = queued(data.question_id);
    if (fresh.classList.contains("answered")) { return dequeue(data); }
    if (old) {
      old.querySelector(".stage-next-text").textContent = textOf(fresh);
      return;
    }
    var row = item(data, fresh);
    queue.appendChild(row);
    sortQueue();
    live.highlight(row);
  }

  function dequeue(data) {
    var old = queued(data.question_id);
    if (old) { old.remove(); }
    sortQueue();
    if (queue.children.length < size) { refill(); }
  }

  /* A question that leaves the queue (now being answered, answered, hidden) leaves room for the next ones the
     server has: the stage view itself, fetched again (revalidated: the browser may hold a copy younger than its
     max-age that predates the change), gives them. Once per burst of changes. */
  var refilling = null;
  function refill() {
    if (refilling) { return; }
    refilling = window.setTimeout(function () {
      fetch(window.location.href, { cache: "no-cache", headers: { Accept: "text/html" } }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (text) {
        refilling = null;
        var served = new DOMParser().parseFromString(text, "text/html").getElementById("stage-queue");
        if (!served) { return; }
        var added = [];
        Array.prototype.forEach.call(served.children, function (row) {
          var id = row.dataset.questionId;
          if (queued(id) || isCurrent(id)) { return; }
          added.push(queue.appendChild(document.importNode(row, true)));
        });
        sortQueue();
        added.forEach(function (row) { if (row.isConnected) { live.highlight(row); } });
      }).catch(function () { refilling = null; });
    }, 300);
  }

  function answered(data) {
    if (isCurrent(data.question_id)) { showAnswers(live.parse(data.html)); }
    dequeue(data);
  }

  function gone(data) {
    dequeue(data);
    if (isCurrent(data.question_id)) {
      current.querySelector(".stage-answer").textContent = "";
      showCurrent({ question_id: null });
    }
  }

  /* A question the queue does not hold whose votes may bring it among the next ones: its card (ama/views/cards.py)
     says whether it waits for an answer (in the unanswered list); it comes in if it ranks among them. */
  function mayCome(data) {
    var id = data.question_id;
    var last = queue.lastElementChild;
    if (fetching[id] || isCurrent(id) || (queue.children.length >= size && data.vote_count < Number(last.dataset.votes))) {
      return;
    }
    fetching[id] = true;
    fetch(root.dataset.liveCard.replace(/\/0\/card$/, "/" + id + "/card") + "?sort=unanswered",
      { cache: "no-cache", headers: { Accept: "application/json" } }).then(function (response) {
      return response.ok ? response.json() : {};
    }).then(function (card) {
      delete fetching[id];
      if (card.rank === null || !card.html || queued(id) || isCurrent(id)) { return; }
      var row = item(card, live.parse(card.html));
      queue.appendChild(row);
      sortQueue();
      if (row.isConnected) { live.highlight(row); }
    }).catch(function () { delete fetching[id]; });
  }

  function votes(data) {
    var row = queued(data.question_id);
    if (!row) { return mayCome(data); }
    row.dataset.votes = data.vote_count;
    row.querySelector(".stage-votes").textContent = data.vote_count;
    sortQueue();
  }

  function reload() { window.location.reload(); }

  live.listen(root, {
    now_answering: showCurrent,
    question_published: enqueue,
    question_updated: enqueue,
    answer_published: answered,
    answer_edited: answered,
    answer_deleted: function (data) {
      if (isCurrent(data.question_id)) { showAnswers(live.parse(data.html)); }
    },
    question_hidden: gone,
    question_removed: gone,
    question_merged: gone,
    votes_changed: votes,
    scores_changed: function (data) { data.questions.forEach(votes); },
    reset: reload,
    ama_opened: reload,
    ama_closed: reload,
    ama_updated: reload
  });
}());
