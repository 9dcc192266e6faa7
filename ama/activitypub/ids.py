"""The ActivityPub ids of AMA objects (builders only: the routes that serve them are in ama/urls.py). Ids are
URLs on this server that serve both HTML and AS2."""

from federation.urls_helper import absolute


def ama_id(ama) -> str:
    return absolute(f"/amas/{ama.slug}")


def replies_id(ama) -> str:
    return ama_id(ama) + "/replies"


def context_id(ama) -> str:
    return ama_id(ama) + "/context"


def question_page(question) -> str:
    return ama_id(question.ama) + f"/questions/{question.pk}"


def answer_id(ama, token: str) -> str:
    return ama_id(ama) + f"/answers/{token}"


def authorization_id(question) -> str:
    return ama_id(question.ama) + f"/authorizations/{question.pk}"


PLACEMENT_PATH = "/placements/"


def placement_post_id(placement) -> str:
    """The host's post of the AMA in a community elsewhere (ama/activitypub/placements.py)."""
    return ama_id(placement.ama) + f"{PLACEMENT_PATH}{placement.pk}"


def may_be_placement_post(object_id: str) -> bool:
    """Whether an id has the shape of placement_post_id's: the inbox looks up no placement for any other (most
    replies answer the AMA or a question)."""
    return PLACEMENT_PATH in object_id


def create_id(object_id: str) -> str:
    """The id of the Create of one of our objects (the AMA note, an answer)."""
    return object_id + "/activity"


def answer_announce_id(ama, token: str) -> str:
    return answer_id(ama, token) + "/announce"
