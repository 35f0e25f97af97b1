"""A peer's offered services: the ``/peerup/<name>/1.0.0`` protocols its identify announces.

The forward dialog's service picker asks for them. The peer is connected first if needed (the
dialer's race, bounded), then asked afresh over identify (``/ipfs/id/1.0.0``), so a service it
exposed a moment ago is listed; when that answer does not come, what identify said when the
connection opened (the peerstore) is used. A service listed may still refuse us (its
``allowed_peers``, ``verified_only``): identify names every service the peer offers.
"""

from __future__ import annotations

import logging
from typing import Any

import trio
from libp2p.identity.identify.identify import ID as IDENTIFY_PROTOCOL
from libp2p.identity.identify.identify import parse_identify_response
from libp2p.peer.id import ID

from app.core.errors import PeerUnreachableError, PeerupError
from app.core.ids.names import service_name_of
from app.engine.dialer import Dialer, Target
from app.engine.splice import first_line, read_to_eof, reset_quietly

__all__ = ["IDENTIFY_TIMEOUT", "offered_services"]

log = logging.getLogger("peerup.engine.peerservices")

IDENTIFY_TIMEOUT = 10.0
"""Seconds for the fresh identify answer (the connection exists by then)."""
MAX_IDENTIFY = 64 * 1024
"""The largest identify answer read (a peer's protocols, addresses and keys fit many times)."""
MAX_PROTOCOLS = 1000


async def offered_services(dialer: Dialer, target: Target) -> list[str]:
    """The services ``target`` offers, sorted by name (connecting first if needed).

    Raises:
        PeerUnreachableError: The peer cannot be reached.
    """
    stream: Any = None
    try:
        with trio.fail_after(IDENTIFY_TIMEOUT * 2):
            stream = await dialer.open_stream(target, IDENTIFY_PROTOCOL)
    except trio.TooSlowError:
        raise PeerUnreachableError(f"peer {target.peer_id} did not answer in time") from None
    except PeerUnreachableError:
        raise
    except PeerupError as exc:  # it refuses identify: what it told when it connected
        log.info("identify of %s refused: %s", target.peer_id, exc)
        return _services(_known_protocols(dialer, target.peer_id))
    try:
        with trio.fail_after(IDENTIFY_TIMEOUT):
            data = await read_to_eof(stream, MAX_IDENTIFY)
        if len(data) > MAX_IDENTIFY:
            raise ValueError(f"identify answer over {MAX_IDENTIFY} bytes")
        protocols = [str(p) for p in parse_identify_response(data).protocols]
    except Exception as exc:  # a late, bad or missing answer: the peerstore's
        log.info("identify of %s failed: %s", target.peer_id, first_line(exc))
        protocols = _known_protocols(dialer, target.peer_id)
    finally:
        await reset_quietly(stream)
    return _services(protocols)


def _known_protocols(dialer: Dialer, peer: ID) -> list[str]:
    """What identify said when the connection opened."""
    host: Any = dialer.require_host()
    try:
        return [str(p) for p in host.get_peerstore().get_protocols(peer)]
    except Exception:  # the peerstore raises for a peer it does not know
        return []


def _services(protocols: list[str]) -> list[str]:
    names = {service_name_of(p) for p in protocols[:MAX_PROTOCOLS]}
    return sorted(name for name in names if name is not None)
