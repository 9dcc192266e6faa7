/* fediama: the share button. Without JavaScript it is a plain link to the page's address; with it, a click copies
   the page's title, the host's @handle and the address (data-share-copy) and says so in the status next to it. */
(function () {
  "use strict";

  function say(link, message) {
    var status = link.parentNode.querySelector(".share-status");
    if (status) { status.textContent = message; }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-share-copy]") : null;
    if (!link || !navigator.clipboard) { return; }
    event.preventDefault();
    navigator.clipboard.writeText(link.dataset.shareCopy).then(
      function () { say(link, link.dataset.shareDone); },
      function () { say(link, link.dataset.shareFailed); });
  });
})();
