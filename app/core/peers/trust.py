"""Verified state of peers: what "this key really is my peer" means on disk.

A peer is *verified* when two humans compared a short authentication string (the SAS of an
invite, of ``peerup verify``, or the Go peer-up's static fingerprint) and both said yes. The fact
is stored on the peer's authorized_keys line as ``verified=sha256:<8 hex>``: the first 4 bytes of
the Go peer-up's fingerprint of the pair (own ID, peer ID), the same value the Go peer-up writes,
so files stay interchangeable.

The value is *recomputed* on every check (:func:`is_verified`), never trusted as a flag: a line
copied to another peer ID, or a ``names:`` entry moved to a new key, can never look verified.

A *key change* is a known name (a ``names:`` entry, or an authorized_keys comment, which is where
pairing writes the name) that is about to point to a different peer ID. :func:`bind_name` finds
the previous ID so callers can warn loudly; the new key starts unverified.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.core.errors import InvalidPeerIdError
from app.core.ids.peerid import PeerId
from app.core.pairing.sas import reference_fingerprint
from app.core.peers.authkeys import AuthorizedKey, AuthorizedKeysFile

__all__ = [
    "VERIFIED_ATTR",
    "KeyChange",
    "bind_name",
    "clear_verified",
    "is_verified",
    "mark_verified",
    "verified_peers",
    "verified_value",
]

VERIFIED_ATTR = "verified"


def verified_value(own: PeerId, peer: PeerId) -> str:
    """The ``verified=`` value for ``peer`` as seen by ``own``: ``sha256:<8 hex>``.

    Symmetric (both ends compute the same string), and equal to what the Go peer-up stores.
    """
    return reference_fingerprint(own.raw, peer.raw).prefix


def is_verified(entry: AuthorizedKey, own: PeerId) -> bool:
    """True when ``entry`` carries the ``verified=`` value recomputed for (``own``, its peer).

    Any other value (a stale one from a previous key, a copied line, garbage) means unverified.
    """
    stored = entry.attr(VERIFIED_ATTR)
    if stored is None:
        return False
    return stored.strip().lower() == verified_value(own, entry.peer_id)


def verified_peers(entries: Iterable[AuthorizedKey], own: PeerId) -> frozenset[PeerId]:
    """The peers among ``entries`` that are verified (see :func:`is_verified`)."""
    return frozenset(e.peer_id for e in entries if is_verified(e, own))


def mark_verified(keys: AuthorizedKeysFile, own: PeerId, peer: PeerId) -> str:
    """Write ``verified=`` on ``peer``'s authorized_keys line; returns the value written.

    Raises:
        NotFoundError: ``peer`` is not authorized.
        AuthorizedKeysError: The file cannot be read or written.
    """
    value = verified_value(own, peer)
    keys.set_attr(peer, VERIFIED_ATTR, value)
    return value


def clear_verified(keys: AuthorizedKeysFile, peer: PeerId) -> None:
    """Remove ``verified=`` from ``peer``'s line (``peerup verify --reset``).

    Raises:
        NotFoundError: ``peer`` is not authorized.
        AuthorizedKeysError: The file cannot be read or written.
    """
    keys.set_attr(peer, VERIFIED_ATTR, None)


@dataclass(frozen=True, slots=True)
class KeyChange:
    """A known name now points to a different key.

    Attributes:
        name: The peer name.
        old: The peer ID the name pointed to before.
        new: The new peer ID (starts unverified).
        old_was_verified: The old key had been verified by a human (the warning is louder).
    """

    name: str
    old: PeerId
    new: PeerId
    old_was_verified: bool

    def message(self) -> str:
        """The loud warning shown in the CLI, the log and the API event."""
        was = " (which you had verified)" if self.old_was_verified else ""
        return (
            f"WARNING: the key of {self.name!r} changed: it was {self.old}{was}, "
            f"now {self.new}. The new key is UNVERIFIED: if you did not re-pair or reinstall "
            f"{self.name!r}, someone may be impersonating it. "
            f"Check with: peerup verify {self.name}"
        )

    def to_json(self) -> dict[str, object]:
        """The API form."""
        return {
            "name": self.name,
            "old_peer_id": str(self.old),
            "new_peer_id": str(self.new),
            "old_was_verified": self.old_was_verified,
            "message": self.message(),
        }


def _parse_or_none(text: str) -> PeerId | None:
    try:
        return PeerId.parse(text)
    except InvalidPeerIdError:
        return None


def bind_name(
    name: str,
    peer: PeerId,
    *,
    names: Iterable[tuple[str, str]],
    entries: Iterable[AuthorizedKey],
    own: PeerId | None = None,
) -> KeyChange | None:
    """Detect a key change before ``name`` is bound to ``peer``.

    Looks at the ``names:`` mapping first (``name -> peer ID text``), then at authorized_keys
    comments (pairing writes the peer's name there). Comparison of names is exact for ``names:``
    and case-insensitive for comments (a comment is free text).

    Args:
        name: The name about to be (re)bound.
        peer: The peer ID it is about to point to.
        names: The config's ``names`` pairs.
        entries: The current authorized_keys entries.
        own: This node's ID; when given, ``old_was_verified`` is computed.

    Returns:
        A :class:`KeyChange` (its ``old`` is the previous peer ID) when the name pointed to
        another key; None for a new name or the same key.
    """
    entry_list = list(entries)
    previous: PeerId | None = None
    for n, pid_text in names:
        if n == name:
            previous = _parse_or_none(pid_text)
            break
    if previous is None:
        wanted = name.strip().lower()
        for e in entry_list:
            if wanted and e.comment.strip().lower() == wanted and e.peer_id != peer:
                previous = e.peer_id
                break
    if previous is None or previous == peer:
        return None
    was_verified = False
    if own is not None:
        was_verified = any(e.peer_id == previous and is_verified(e, own) for e in entry_list)
    return KeyChange(name=name, old=previous, new=peer, old_was_verified=was_verified)
