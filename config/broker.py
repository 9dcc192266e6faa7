"""kombu's two transports as fediama uses them: folders (the embedded default) and Redis.

Folders: kombu's own transport creates the message file and then writes it, so a worker polling at that moment
can read an empty file and crash on the JSON. Here a message is written under a temporary name (which the
reader ignores: it only takes names ending in `.<queue>.msg`) and renamed into place when complete.

Redis: when a busy worker loses the broker, Celery collects the lost connection (kombu then unlinks the
transport from it) and closes it; the channel, still holding the messages of the running tasks, reconnects to
restore or acknowledge them and found no connection parameters: AttributeError("'NoneType' object has no
attribute 'hostname'"), which Celery takes as unrecoverable, and the worker exited. This transport keeps the
link, so that is the connection error it is (Celery retries until the broker is back) and a task finishing
after the reconnect acknowledges its message. `redis://` and `rediss://` URLs use it as written."""

import os
import uuid
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem, redis
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ALIAS = "fediamafs"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as error:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
    # folders have no host: without this kombu warns "No hostname was supplied" at every connection
    default_connection_params = {"hostname": None, "port": None}


class RedisTransport(redis.Transport):
    """kombu's Redis transport, never unlinked from its connection (see the module's docstring)."""

    @property
    def client(self):
        return self.__dict__.get("_connection")

    @client.setter
    def client(self, connection):
        if connection is not None:  # kombu's Connection.collect() sets None; the channels still need it
            self.__dict__["_connection"] = connection


TRANSPORT_ALIASES[ALIAS] = "config.broker:Transport"
TRANSPORT_ALIASES["redis"] = TRANSPORT_ALIASES["rediss"] = "config.broker:RedisTransport"
