"""Local actors' keys: an RSA-2048 pair per actor, made once, either at once or by a worker after commit
(`generate_actor_keys`, so a request that creates an actor does not pay for it). Actors import this."""

from celery import shared_task
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .models import Actor


def generate_keypair() -> tuple[str, str]:
    """Return (private_pem, public_pem) for a new RSA-2048 key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private_pem, public_pem


def ensure_keys(actor: Actor) -> Actor:
    """The actor, with a key pair (made now if it has none; two racing callers keep the first one stored)."""
    if not actor.private_key_pem:
        actor.private_key_pem, actor.public_key_pem = generate_keypair()
        Actor.objects.filter(pk=actor.pk, private_key_pem="").update(
            private_key_pem=actor.private_key_pem, public_key_pem=actor.public_key_pem)
        actor.refresh_from_db(fields=["private_key_pem", "public_key_pem"])
    return actor


@shared_task(name="federation.tasks.generate_actor_keys")  # the name messages already queued carry
def generate_actor_keys(actor_id: int):
    """A Celery entry point kept beside the keys, not in federation.tasks: actors enqueue it, and
    federation.tasks (through routing) imports actors."""
    actor = Actor.objects.filter(pk=actor_id).first()
    if actor is not None:
        ensure_keys(actor)
