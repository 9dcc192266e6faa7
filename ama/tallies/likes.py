"""What a fetched object says about its likes, and how much of it we credit. Pure functions, no I/O.

Shapes met in the wild (FEDERATION.md "Remote tallies"):
    Mastodon (4.3+), Hollo    "likes": {"id": ..., "type": "Collection", "totalItems": 12}
    listing servers           "likes": {"totalItems": 3, "items" | "orderedItems": [Like or actor id, ...]}
                              or the same under an embedded "first" page
    a URL                     "likes": "https://origin/objects/1/likes" (fetched once more, same shapes)
    no "likes"                the origin exposes nothing: credited 0
"""

from dataclasses import dataclass

MAX_LISTED = 200  # likers read from one page; more are counted as unnamed


@dataclass(frozen=True)
class Likes:
    total: int | None  # totalItems as reported; None when the origin gave no number
    likers: frozenset[str]  # actor ids listed
    unnamed: int = 0  # listed items without an actor id we can read

    @property
    def listed(self) -> int:
        return len(self.likers) + self.unnamed

    @property
    def count(self) -> int:
        """How many like it, as the origin says: its number, or what it lists when that is more."""
        return max(self.total or 0, self.listed)


def likes_field(document: dict) -> dict | str | None:
    """The object's `likes`: an embedded collection, its URL, or None."""
    value = document.get("likes")
    if isinstance(value, dict) or (isinstance(value, str) and value.startswith(("https://", "http://"))):
        return value
    return None


def read_collection(collection: dict) -> Likes:
    """A likes Collection (or OrderedCollection, or a page): its totalItems and the likers it lists here or
    in an embedded `first` page."""
    total = _count(collection.get("totalItems"))
    items = _items(collection)
    first = collection.get("first")
    if not items and isinstance(first, dict):
        items = _items(first)
        total = total if total is not None else _count(first.get("totalItems"))
    likers, unnamed = _likers(items[:MAX_LISTED])
    return Likes(total=total, likers=likers, unnamed=unnamed + max(0, len(items) - MAX_LISTED))


def _count(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _items(collection: dict) -> list:
    for key in ("orderedItems", "items"):
        value = collection.get(key)
        if isinstance(value, list):
            return value
        if isinstance(value, (dict, str)):
            return [value]
    return []


def _likers(items: list) -> tuple[frozenset[str], int]:
    """Actor ids of the listed items: a Like's `actor` (string or object with an id), or a bare id (an actor's,
    as far as we can tell: it is matched against our voters' ids, so a Like's id simply matches no one)."""
    names, unnamed = set(), 0
    for item in items:
        actor = item.get("actor") if isinstance(item, dict) else item
        if isinstance(actor, dict):
            actor = actor.get("id")
        if isinstance(actor, str) and actor:
            names.add(actor)
        else:
            unnamed += 1
    return frozenset(names), unnamed


def credited(likes: Likes | None, *, direct: set[str], direct_on_origin: set[str]) -> int:
    """The remote likes we add to the direct votes, never counting one person twice where we can know it.

    `direct`: actor ids whose votes we received ourselves; `direct_on_origin`: those of them on the origin's
    domain (the only direct voters the origin can have counted among likers it does not name).
    Listed likers count unless they voted here; the likers the origin counts but does not list count less
    the origin's own direct voters we did not see in its list."""
    if likes is None:
        return 0
    named = len(likes.likers - direct) + likes.unnamed
    unseen = max(0, likes.count - likes.listed)
    maybe_ours = len(direct_on_origin - likes.likers)
    return named + max(0, unseen - maybe_ours)
