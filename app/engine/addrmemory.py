"""The node's memory of where its authorized peers were reached (:mod:`app.core.peers.addrbook`).

It records the direct address of every connection to an authorized peer and keeps the book in
``peer-addresses.json`` in the node's state directory, so that a peer met once (by an invite
code, a join, relay pairing, mDNS, the DHT or a LAN dial) is found again after both restart.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from libp2p.abc import INetConn

from app.core.errors import PeerupError
from app.core.peers.addrbook import FILE_NAME, MAX_FILE_SIZE, AddressBook, RememberedAddress
from app.util.fsio import atomic_write_bytes

__all__ = ["PeerAddressMemory"]

log = logging.getLogger(__name__)


def _ip_of(address: str) -> str | None:
    parts = address.split("/")
    return parts[2] if len(parts) > 2 and parts[1] in ("ip4", "ip6") else None


class PeerAddressMemory:
    """Remembers, per authorized peer, the direct addresses at which it was reached.

    Args:
        directory: The node's state directory; the book is ``peer-addresses.json`` there.
        clock: Wall clock (entries age out after days, across restarts).
    """

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = directory / FILE_NAME
        self._clock = clock
        self.book = self._load()

    def _load(self) -> AddressBook:
        try:
            with self.path.open("rb") as fh:
                data = fh.read(MAX_FILE_SIZE + 1)
        except FileNotFoundError:
            return AddressBook()
        except OSError as exc:
            log.warning(
                "cannot read %s (%s); starting with no remembered addresses", self.path, exc
            )
            return AddressBook()
        try:
            return AddressBook.from_json(data)
        except PeerupError as exc:
            bad = self.path.with_name(FILE_NAME + ".bad")
            log.warning("%s is unusable (%s); moved to %s, starting empty", self.path, exc, bad)
            with contextlib.suppress(OSError):
                self.path.replace(bad)
            return AddressBook()

    def _save(self) -> None:
        try:
            atomic_write_bytes(self.path, self.book.to_json(), mode=0o600)
        except OSError as exc:  # a full disk costs the memory, not the connection
            log.warning("cannot save remembered peer addresses to %s: %s", self.path, exc)

    def addresses(self, peer_id: str) -> list[str]:
        """The addresses to try first for ``peer_id``, most recent first."""
        return self.book.addresses(peer_id, now=self._clock())

    def entries(self, peer_id: str) -> tuple[RememberedAddress, ...]:
        """What is remembered of ``peer_id`` (for status and the API)."""
        return self.book.entries(peer_id, now=self._clock())

    def connection_seen(self, peer_id: str, conn: INetConn, announced: Iterable[str]) -> None:
        """Record a live direct connection to an authorized peer.

        An outbound connection proves the address we dialed. An inbound one comes from an
        ephemeral port, so what it proves is the peer's IP: the listen addresses the peer
        ``announced`` (identify) on that IP are kept.
        """
        try:
            remote = [str(a) for a in conn.get_transport_addresses()]
        except Exception:  # a connection being torn down may not know its address any more
            return
        if not remote or "/p2p-circuit" in remote[0]:
            return
        if str(getattr(conn, "direction", "")).lower().endswith("outbound"):
            changed = self.book.remember(peer_id, remote, source="dialed", now=self._clock())
        else:
            ip = _ip_of(remote[0])
            same_ip = [a for a in announced if ip is not None and _ip_of(a) == ip]
            changed = self.book.remember(peer_id, same_ip, source="announced", now=self._clock())
        if changed:
            self._save()

    def retain(self, peer_ids: Iterable[str]) -> None:
        """Forget every peer not in ``peer_ids`` (no longer authorized) and aged entries."""
        changed = self.book.retain(peer_ids)
        changed = self.book.prune(self._clock()) or changed
        if changed:
            self._save()
