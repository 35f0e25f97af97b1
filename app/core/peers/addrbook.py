"""Where peers were last reached: the direct addresses a node remembers per authorized peer.

Theory of operation: two devices that paired on one LAN meet at the addresses inside the invite
code; nothing else would tell either of them where the other listens after a restart (no relay,
no mDNS, no DHT). So the engine writes down each direct address at which a connection to an
authorized peer actually worked:

* ``dialed``: we dialed this address and the peer answered (its Noise key proved who it is);
* ``announced``: the peer announced this listen address (identify) and its inbound connection
  came from the same IP, so the address is very likely dialable from here.

The book is bounded (:data:`MAX_ADDRESSES_PER_PEER` per peer, :data:`MAX_PEERS` peers), ages
entries out after :data:`MAX_AGE` seconds without a new connection, and keeps only authorized
peers (the engine calls :meth:`AddressBook.retain`). It lives in the node's state file
(``peer-addresses.json`` beside authorized_keys), never in the user's config.yaml; addresses
pinned by the user under ``peer_addresses:`` are separate and always tried first.

The file is untrusted input (another program, a bad disk, an old version may have written it):
:meth:`AddressBook.from_json` checks every field and raises :class:`StateFileError` on anything
unexpected. Pure: time is passed in.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.core.errors import InvalidAddressError, PeerupError
from app.core.ids.netaddr import check_multiaddr_syntax
from app.core.ids.peerid import PeerId

__all__ = [
    "FILE_NAME",
    "MAX_ADDRESSES_PER_PEER",
    "MAX_AGE",
    "MAX_FILE_SIZE",
    "MAX_PEERS",
    "AddressBook",
    "AddressSource",
    "RememberedAddress",
    "StateFileError",
    "rememberable",
]

FILE_NAME = "peer-addresses.json"
MAX_ADDRESSES_PER_PEER = 8
MAX_PEERS = 4096
MAX_AGE = 30 * 24 * 3600.0
"""Seconds after the last connection through an address before it is forgotten."""
MAX_FILE_SIZE = 2 * 1024 * 1024
# Seen again within this many seconds: the stored time stays, so a chatty peer (many short
# connections) does not rewrite the state file each time.
TOUCH_GRANULARITY = 3600.0
_VERSION = 1
_SOURCES = ("dialed", "announced")

AddressSource = Literal["dialed", "announced"]


class StateFileError(PeerupError):
    """A state file is not what this version writes."""

    code = "bad-state-file"


@dataclass(frozen=True, slots=True)
class RememberedAddress:
    """One direct address at which a peer was reached.

    Attributes:
        address: A multiaddr without ``/p2p/…`` (e.g. ``/ip4/192.168.1.5/tcp/41234``).
        last_seen: Unix time of the latest connection through it.
        source: ``dialed`` (we dialed it) or ``announced`` (the peer announced it and came from
            its IP).
    """

    address: str
    last_seen: float
    source: AddressSource


def rememberable(address: str) -> str | None:
    """The form of ``address`` worth keeping, or None.

    Only direct IP addresses with a TCP or UDP port (no relay circuits, no wildcard or port 0,
    no DNS names, which can point elsewhere later); a trailing ``/p2p/<id>`` is dropped.
    """
    text = address.strip()
    if "/p2p-circuit" in text or len(text) > 256:
        return None
    if "/p2p/" in text:
        text = text[: text.index("/p2p/")]
    try:
        check_multiaddr_syntax(text)
    except InvalidAddressError:
        return None
    parts = text.split("/")
    if len(parts) < 5 or parts[1] not in ("ip4", "ip6") or parts[3] not in ("tcp", "udp"):
        return None
    if parts[2] in ("0.0.0.0", "::") or parts[4] == "0":
        return None
    return text


@dataclass
class AddressBook:
    """Per peer, the direct addresses it was last reached at, most recent first."""

    _peers: dict[str, list[RememberedAddress]] = field(default_factory=dict)

    def remember(
        self, peer_id: str, addresses: Iterable[str], *, source: AddressSource, now: float
    ) -> bool:
        """Record that ``peer_id`` was reached at ``addresses`` at ``now``.

        Addresses that are not :func:`rememberable` are skipped. A ``dialed`` record is not
        downgraded to ``announced``.

        Returns:
            Whether anything a saved file would hold changed.
        """
        kept = [a for a in (rememberable(x) for x in addresses) if a is not None]
        if not kept:
            return False
        entries = self._peers.get(peer_id, [])
        by_address = {e.address: e for e in entries}
        changed = False
        for address in dict.fromkeys(kept):
            old = by_address.get(address)
            best: AddressSource = "dialed" if "dialed" in (source, old and old.source) else source
            if old is not None and old.source == best and now - old.last_seen < TOUCH_GRANULARITY:
                continue
            by_address[address] = RememberedAddress(address, now, best)
            changed = True
        if not changed:
            return False
        ordered = sorted(by_address.values(), key=lambda e: -e.last_seen)
        self._peers[peer_id] = ordered[:MAX_ADDRESSES_PER_PEER]
        self._drop_excess_peers()
        return True

    def _drop_excess_peers(self) -> None:
        if len(self._peers) <= MAX_PEERS:
            return
        newest = sorted(self._peers, key=lambda p: -self._peers[p][0].last_seen)
        for peer_id in newest[MAX_PEERS:]:
            del self._peers[peer_id]

    def entries(self, peer_id: str, *, now: float) -> tuple[RememberedAddress, ...]:
        """The live entries for ``peer_id``, most recent first."""
        return tuple(e for e in self._peers.get(peer_id, ()) if now - e.last_seen < MAX_AGE)

    def addresses(self, peer_id: str, *, now: float) -> list[str]:
        """The addresses to try for ``peer_id``, most recent first."""
        return [e.address for e in self.entries(peer_id, now=now)]

    def peers(self) -> list[str]:
        """Every peer with at least one entry (aged or not)."""
        return list(self._peers)

    def forget(self, peer_id: str) -> bool:
        """Drop every address of ``peer_id``; returns whether there were any."""
        return self._peers.pop(peer_id, None) is not None

    def retain(self, peer_ids: Iterable[str]) -> bool:
        """Keep only the peers in ``peer_ids`` (the authorized ones); returns whether any went."""
        keep = set(peer_ids)
        gone = [p for p in self._peers if p not in keep]
        for peer_id in gone:
            del self._peers[peer_id]
        return bool(gone)

    def prune(self, now: float) -> bool:
        """Forget entries older than :data:`MAX_AGE`; returns whether any went."""
        changed = False
        for peer_id in list(self._peers):
            live = [e for e in self._peers[peer_id] if now - e.last_seen < MAX_AGE]
            if len(live) != len(self._peers[peer_id]):
                changed = True
                if live:
                    self._peers[peer_id] = live
                else:
                    del self._peers[peer_id]
        return changed

    # ---- the state file ---------------------------------------------------------------------

    def to_json(self) -> bytes:
        """The state file's bytes (stable order, one peer per line for readable diffs)."""
        peers = {
            pid: [[e.address, round(e.last_seen, 3), e.source] for e in entries]
            for pid, entries in sorted(self._peers.items())
        }
        body = ",\n".join(
            f"  {json.dumps(pid)}: {json.dumps(value)}" for pid, value in peers.items()
        )
        inner = "{\n" + body + "\n }" if body else "{}"
        return f'{{"version": {_VERSION}, "peers": {inner}}}\n'.encode()

    @classmethod
    def from_json(cls, data: bytes) -> AddressBook:
        """Parse a state file written by :meth:`to_json`.

        Raises:
            StateFileError: Too large, not JSON, another version, or any field out of bounds.
        """
        if len(data) > MAX_FILE_SIZE:
            raise StateFileError(f"larger than {MAX_FILE_SIZE} bytes")
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise StateFileError(f"not JSON ({exc})") from None
        if not isinstance(doc, Mapping) or doc.get("version") != _VERSION:
            raise StateFileError(f"not a version {_VERSION} address book")
        peers = doc.get("peers")
        if not isinstance(peers, Mapping) or len(peers) > MAX_PEERS:
            raise StateFileError(f"'peers' is not a map of at most {MAX_PEERS} peers")
        book = cls()
        for pid, raw in peers.items():
            book._peers[_peer_id(pid)] = _entries(pid, raw)
        return book


def _peer_id(text: object) -> str:
    if not isinstance(text, str):
        raise StateFileError(f"{text!r} is not a peer ID")
    try:
        return str(PeerId.parse(text))
    except PeerupError:
        raise StateFileError(f"{text[:60]!r} is not a peer ID") from None


def _entries(pid: str, raw: object) -> list[RememberedAddress]:
    if not isinstance(raw, list) or len(raw) > MAX_ADDRESSES_PER_PEER:
        raise StateFileError(f"{pid}: not a list of at most {MAX_ADDRESSES_PER_PEER} addresses")
    result = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 3):
            raise StateFileError(f"{pid}: an entry is not [address, time, source]")
        address, seen, source = item
        if not isinstance(address, str) or rememberable(address) != address:
            raise StateFileError(f"{pid}: {str(address)[:80]!r} is not a direct address")
        if isinstance(seen, bool) or not isinstance(seen, int | float) or not math.isfinite(seen):
            raise StateFileError(f"{pid}: {seen!r} is not a time")
        if source not in _SOURCES:
            raise StateFileError(f"{pid}: {source!r} is not a source")
        result.append(RememberedAddress(address, float(seen), source))
    result.sort(key=lambda e: -e.last_seen)
    return result
