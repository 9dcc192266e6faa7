"""Live events: what changed on an AMA's pages, pushed to open pages as Server-Sent Events.

Writers (ama/services) call `publish` or the helpers below inside their transaction; the events table
(ama.models.LiveEvent) is the truth; transport.py wakes each web process's hub (stream.py), which fans the new
rows out to the streams asgi.py serves (views.py under WSGI). README "Live updates" has the wire contract:

    GET /amas/<slug>/events        public events (404 for unknown, draft or deleted AMAs)
    GET /dashboard/<slug>/events   public + moderator events (hosts and moderators; 403 otherwise)

Each event: `id: <seq>` (the AMA's version after the change; resume with Last-Event-ID or
?last_event_id=<the version the page was rendered at>), `event: <kind>`, `data: <JSON payload>`.
?locale=<the page's language, its <html lang>>: html and label come in that language (any site language; none
or another: the AMA's). Stored once per site language with the event (fragments.LOCALIZED), encoded once per
language per event (reads.Event.wire_in), never per stream.

Public kinds and their payload:
    question_published, question_updated    question_id, parent_id, html (the question's <article> with its
                                            answers, no follow-ups: insert it, or replace the article's own
                                            parts and keep its .follow-ups); vote_url, report_url (where a
                                            signed-in viewer's vote form and report link post; none for a question
                                            deleted by its author): also in answer_* and now_answering
    question_hidden, question_removed       question_id (take it off the page)
    question_merged                         question_id, merged_into (off the page; its votes went to the
                                            question merged_into, whose votes_changed follows)
    answer_published, answer_edited         question_id, parent_id, html (the question again), answer_id,
                                            answer_html (the answer's content alone, e.g. for the stage view)
    answer_deleted                          question_id, parent_id, html, answer_id
    votes_changed                           question_id, vote_count (the score), votes_here, remote_votes,
                                            label ("3 votes"), parts ("12 votes: 7 here, 5 on mastodon.example":
                                            only with remote votes); at most one per
                                            question per FEDIAMA_LIVE_VOTE_WINDOW second, the last count always
    scores_changed                          questions: [votes_changed's payload, ...]: the remote tallies moved
                                            these scores (one event per AMA per batch of the refresher)
    answer_likes_changed                    question_id, answer_id, like_count, label ("found helpful by 9"):
                                            likes of an answer, never the question's score
    now_answering                           question_id, parent_id, html; or question_id null: nobody now
    ama_opened, ama_closed, ama_updated     state, title, opens_at, closes_at (ama_updated: its text, schedule or
                                            settings changed: reload the page)
    ama_deleted                             (the page is gone)
    reset                                   version: the events after the client's id are no longer kept (or
                                            the id is unknown): reload the page, the stream continues from here
Moderator kinds (dashboard stream only):
    question_pending                        question_id, parent_id, state, author {name, handle}, held_by,
                                            language, content_html, received_at, approve_url, reject_url
    question_moderated                      the same, after it left the queue (state: its new state)
    starred                                 question_id, starred
"""

from .events import (
    UNSEEN,
    Seen,
    ama_changed,
    answer_likes_changed,
    domains_changed,
    now_answering,
    publish,
    question_changed,
    question_view,
    shown_from_domains,
    team_changed,
)
from .scores import scores_changed
from .votes import votes_changed

__all__ = ["UNSEEN", "Seen", "ama_changed", "answer_likes_changed", "domains_changed", "now_answering", "publish",
           "question_changed", "question_view", "scores_changed", "shown_from_domains", "team_changed",
           "votes_changed"]
