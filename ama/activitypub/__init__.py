"""The AMA's way out to ActivityPub (DESIGN.md §3): ids (ids.py), pure document builders (documents.py, notes.py,
replies.py, group.py, group_content.py) and the `send_*` functions services call (publish.py, publish_group.py,
group_questions.py, reports.py), the only modules of ama/ that import federation.outbox. The way in is ama/inbox/."""
