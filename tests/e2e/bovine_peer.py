"""A third-party fediverse server on loopback, played by bovine (PyPI, not our code).

bovine's code does: key generation (bovine.crypto.generate_rsa_public_private_key), the actor document
(bovine.activitystreams.Actor), activities and notes (ActivityFactory / ObjectFactory: Follow, Create, reply
addressing, Like, Delete), HTTP signatures on every GET and POST it sends (BovineActor, draft-cavage with
Digest), WebFinger lookup (bovine.clients.lookup_account), and the verification of the signature on every
request our server delivers to its inboxes (bovine.crypto SignatureChecker, Digest included).
Ours: the aiohttp routes that serve those documents and store what bovine verified, and the thread glue."""

import asyncio
import json
import logging
import threading
import uuid

from aiohttp import ClientSession, web
from bovine import BovineActor
from bovine.activitystreams import Actor, factories_for_actor_object
from bovine.clients.lookup_account import lookup_with_webfinger
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier

from tests.e2e.instances import free_port, wait_until
from tests.e2e.story import STEP

AS2 = "application/activity+json"


class BovinePeer:
    """One user (`zoe`) on a server at `address`; its event loop runs in a thread."""

    name = "bovine peer"

    def __init__(self, address: str = "127.0.0.3", username: str = "zoe"):
        self.public_pem, self.private_pem = generate_rsa_public_private_key()
        self.port = free_port(address)
        self.domain = f"{address}:{self.port}"
        self.base = f"http://{self.domain}"
        self.username, self.ap_id = username, f"{self.base}/actors/{username}"
        self.handle = f"{username}@{self.domain}"
        self.profile = Actor(
            id=self.ap_id, preferred_username=username, name="Zoe (bovine)", inbox=self.ap_id + "/inbox",
            outbox=self.ap_id + "/outbox", followers=self.ap_id + "/followers", public_key=self.public_pem,
            public_key_name="main-key", properties={"endpoints": {"sharedInbox": self.base + "/inbox"}}).build()
        self.activities, self.objects = factories_for_actor_object(self.profile, id_generator=self._new_id)
        self.documents: dict[str, dict] = {}
        self.verified: list[dict] = []  # activities whose signature bovine verified, in order
        self.refused: list[str] = []  # why bovine refused a delivery
        self.log: list[str] = []
        self._capture_bovine_logs()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.run(self._start(address))

    def _capture_bovine_logs(self) -> None:
        handler = logging.Handler(logging.INFO)
        handler.emit = lambda record: self.log.append(f"bovine {record.levelname}: {record.getMessage()}")
        logging.getLogger("bovine").addHandler(handler)
        logging.getLogger("bovine").setLevel(logging.INFO)

    def _new_id(self) -> str:
        return f"{self.base}/objects/{uuid.uuid4()}"

    def run(self, coroutine, timeout: float = STEP):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _start(self, address: str) -> None:
        self.session = ClientSession()
        self.client = BovineActor(actor_id=self.ap_id, public_key_url=self.ap_id + "#main-key",
                                  secret=self.private_pem)
        await self.client.init(session=self.session)
        self.validate = build_validate_http_signature_raw(self._key)
        app = web.Application()
        app.add_routes([web.get("/.well-known/webfinger", self._webfinger), web.get("/actors/{name}", self._actor),
                        web.get("/objects/{key}", self._object), web.post("/inbox", self._inbox),
                        web.post("/actors/{name}/inbox", self._inbox)])
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, address, self.port).start()

    def close(self) -> None:
        async def stop():
            await self.runner.cleanup()
            await self.session.close()
        self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)

    def logs(self) -> str:
        return "\n".join(self.log[-200:]) + f"\nrefused: {self.refused}"

    # ---- serving (our routes; bovine's documents and verification) ------------------------------------

    @staticmethod
    def _json(document: dict, status: int = 200, content_type: str = AS2) -> web.Response:
        return web.Response(text=json.dumps(document), status=status, content_type=content_type)

    async def _webfinger(self, request):
        if request.query.get("resource") != f"acct:{self.handle}":
            return self._json({}, 404, "application/jrd+json")
        return self._json({"subject": f"acct:{self.handle}", "links": [
            {"rel": "self", "type": AS2, "href": self.ap_id}]}, content_type="application/jrd+json")

    async def _actor(self, request):
        if request.match_info["name"] != self.username:
            return self._json({}, 404)
        return self._json(self.profile)

    async def _object(self, request):
        document = self.documents.get(str(request.url.with_query(None)))
        if document is None:
            return self._json({}, 404)
        return self._json(document, 410 if document["type"] == "Tombstone" else 200)

    async def _key(self, key_id: str):
        """bovine's key retriever: a signed GET of the key's document, read by bovine."""
        document = await self.client.get(key_id)
        return CryptographicIdentifier.from_public_key(document.get("publicKey", document))

    async def _inbox(self, request):
        body = await request.read()

        async def read_body():
            return body
        headers = {name.lower(): value for name, value in request.headers.items()}
        owner = await self.validate(request.method, str(request.url), headers, read_body)
        activity = json.loads(body)
        self.log.append(f"POST {request.path} {activity.get('type')} {activity.get('id')}: signer {owner}")
        if owner is None or owner != activity.get("actor"):
            self.refused.append(f"{activity.get('type')} {activity.get('id')}: signer {owner}")
            return self._json({"error": "signature refused by bovine"}, 401)
        self.verified.append(activity)
        return self._json({}, 202)

    # ---- the remote user of the story (see tests/e2e/story.py) --------------------------------------

    async def _send(self, activity: dict, to_actor: str) -> None:
        inbox = (await self.client.get(to_actor))["inbox"]
        response = await self.client.post(inbox, activity)
        self.log.append(f"sent {activity['type']} {activity['id']} to {inbox}: {response.status}")

    def follow(self, handle: str) -> None:
        user, domain = handle.rsplit("@", 1)
        target = self.run(lookup_with_webfinger(self.session, f"http://{domain}/.well-known/webfinger",
                                                {"resource": f"acct:{handle}"}))
        assert target, f"bovine found no actor for {handle}"
        self.run(self._send(self.activities.follow(target).build(), target))

    def wait_inbox(self, kind: str, object_id: str = "", actor: str = "") -> dict:
        def matches(activity: dict) -> bool:
            obj = activity.get("object")
            return (activity.get("type") == kind and (not actor or activity.get("actor") == actor)
                    and (not object_id or object_id == (obj.get("id") if isinstance(obj, dict) else obj)))
        return wait_until(lambda: next((a for a in reversed(self.verified) if matches(a)), None), STEP,
                          what=f"the bovine server to verify a {kind} {object_id}")

    def reply(self, obj: dict, text: str) -> str:
        note = self.objects.reply(obj, content=f"<p>{text}</p>").build()
        note["to"] = note.get("to", []) + ["https://www.w3.org/ns/activitystreams#Public"]
        self.documents[note["id"]] = note
        self.run(self._send(self.activities.create(note).build(), obj["attributedTo"]))
        return note["id"]

    def like(self, object_id: str, notify: str) -> None:
        self.run(self._send(self.activities.like(object_id, to={notify}).build(), notify))

    def delete(self, note_id: str) -> None:
        note = self.documents[note_id]
        self.documents[note_id] = {"@context": "https://www.w3.org/ns/activitystreams", "id": note_id,
                                   "type": "Tombstone", "formerType": "Note"}
        delete = self.activities.delete({"id": note_id, "type": "Tombstone"}, to=set(note["to"])).build()
        for recipient in note["to"]:
            if recipient.startswith(("http://", "https://")) and "#Public" not in recipient:
                self.run(self._send(delete, recipient))

    def fetch_items(self, url: str) -> list[str]:
        """A collection's items, fetched by bovine (signed GETs)."""
        result = self.run(self.client.get_ordered_collection(url))
        return [item if isinstance(item, str) else item["id"] for item in result["items"]]
