"""Inbox POSTs through ASGI: the door gunicorn serves in production (config/asgi.py).

Under gunicorn's threaded WSGI worker, handing each request from the worker's poller to a pool thread and back
cost more CPU than the inbox's own work (bench/inbox.py; README "How fast it is"). Here uvicorn's worker reads
the request on its event loop (httptools, uvloop) and the inbox view runs on a small pool of threads of its
own, with a plain thread's database connection, so a slow key fetch holds one of those threads and never the
loop. `respond_to_inbox` (federation/wsgi.py) is the one place that serves the view for both doors.

The body is read only when the view will read it: a missing, unparsable or oversized Content-Length is
refused by the view from the headers alone (411, 400, 413), so a sender cannot make us buffer more than
MAX_BODY + 1 bytes. A sender that hangs up before its body arrived gets no answer and leaves nothing behind.
"""

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.urls import set_script_prefix

from .inbox import MAX_BODY, declared_size
from .wsgi import inbox_match, respond_to_inbox


class AsgiInboxDoor:
    def __init__(self, application, threads: int):
        self.application = application
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="inbox")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            match = inbox_match(path_info(scope))
            if match is not None:
                return await self.serve(match, scope, receive, send)
        return await self.application(scope, receive, send)

    async def serve(self, match, scope, receive, send):
        body = await read_body(scope, receive)
        if body is None:
            return
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(self.executor, respond, match, scope, body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def path_info(scope) -> str:
    prefix = get_script_prefix(scope)
    return scope["path"].removeprefix(prefix) if prefix else scope["path"]


def declared_length(scope) -> int | None:
    """As the view will read it: repeated headers joined as Django's request joins them, then one rule."""
    values = [value.decode("latin-1") for name, value in scope["headers"] if name == b"content-length"]
    return declared_size(",".join(values)) if values else None


async def read_body(scope, receive) -> bytes | None:
    """The body the view will read (b"" when it refuses on the headers), or None if the sender hung up."""
    length = declared_length(scope)
    if length is None or length > MAX_BODY:
        return b""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body") or size > MAX_BODY:
            return b"".join(chunks)


def respond(match, scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Runs on an inbox thread: the view's (status, headers, content)."""
    set_script_prefix(get_script_prefix(scope))
    response = respond_to_inbox(match, ASGIRequest(scope, io.BytesIO(body)))
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
    return response.status_code, headers, response.content
