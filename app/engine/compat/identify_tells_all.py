"""IDENTIFY-TELLS-ALL: identify tells every peer every protocol and address we have.

Upstream (``libp2p.identity.identify.identify._mk_identify_protobuf``, used by the identify
handler and by identify-push): one message for everyone, listing every protocol the host
handles (our exposed services among them), every listen address and a signed peer record with
them, whoever asked, a stranger we dialled included.

Workaround: :func:`install` (process-wide) makes the message builder apply the view that
:func:`filter_identify` registered for the host, given the peer the message goes to (the
identify handler's stream peer, or identify-push's target): which protocols to list, which
listen addresses to tell, and whether to send the signed peer record (it holds every address,
signed, so it cannot be cut down; a peer not told all our addresses does not get it).
"""

from __future__ import annotations

import contextlib
import contextvars
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from libp2p.identity.identify import identify as _identify
from libp2p.identity.identify_push import identify_push as _identify_push
from libp2p.peer.id import ID
from multiaddr import Multiaddr


@dataclass(frozen=True)
class IdentifyView:
    """What one peer is told.

    Attributes:
        protocol: Whether to list a protocol ID.
        address: Whether to tell a listen address (as upstream announces it, without ``/p2p``).
        signed_record: Whether to send the signed peer record (it lists every address).
    """

    protocol: Callable[[str], bool]
    address: Callable[[Multiaddr], bool]
    signed_record: bool


IdentifyPolicy = Callable[[ID], IdentifyView | None]
"""Called with the peer a message goes to: None tells it everything."""

_original_mk = _identify._mk_identify_protobuf
_original_handler_for = _identify.identify_handler_for
_original_push_to_peer = _identify_push.push_identify_to_peer
_policies: weakref.WeakKeyDictionary[Any, IdentifyPolicy] = weakref.WeakKeyDictionary()
_recipient: contextvars.ContextVar[ID | None] = contextvars.ContextVar(
    "peerup_identify_recipient", default=None
)


def filter_identify(host: Any, policy: IdentifyPolicy) -> None:
    """Tell each peer of ``host`` what ``policy`` says (needs :func:`install`)."""
    _policies[host] = policy


def _mk_identify_protobuf(host: Any, observed_multiaddr: Multiaddr | None) -> Any:
    message = _original_mk(host, observed_multiaddr)
    policy = _policies.get(host)
    peer = _recipient.get()
    if policy is None or peer is None:
        return message
    view = policy(peer)
    if view is None:
        return message
    protocols = [p for p in message.protocols if view.protocol(p)]
    del message.protocols[:]
    message.protocols.extend(protocols)
    kept = []
    for raw in message.listen_addrs:
        with contextlib.suppress(Exception):  # an address we cannot read is not told
            if view.address(Multiaddr(raw)):
                kept.append(raw)
    del message.listen_addrs[:]
    message.listen_addrs.extend(kept)
    if not view.signed_record:
        message.ClearField("signedPeerRecord")
    return message


def _identify_handler_for(host: Any, use_varint_format: bool = True) -> Any:
    handler = _original_handler_for(host, use_varint_format)

    async def handle_identify(stream: Any) -> None:
        token = _recipient.set(stream.muxed_conn.peer_id)
        try:
            await handler(stream)
        finally:
            _recipient.reset(token)

    return handle_identify


async def _push_identify_to_peer(host: Any, peer_id: ID, *args: Any, **kwargs: Any) -> bool:
    token = _recipient.set(peer_id)
    try:
        return await _original_push_to_peer(host, peer_id, *args, **kwargs)
    finally:
        _recipient.reset(token)


def install() -> None:
    """Build identify messages per recipient (idempotent; before the first host exists)."""
    from libp2p.host import defaults as _defaults

    _identify._mk_identify_protobuf = _mk_identify_protobuf
    _identify_push._mk_identify_protobuf = _mk_identify_protobuf  # type: ignore[attr-defined]
    _identify.identify_handler_for = _identify_handler_for
    _defaults.identify_handler_for = _identify_handler_for  # type: ignore[attr-defined]
    _identify_push.push_identify_to_peer = _push_identify_to_peer


def original_builder() -> Callable[[Any, Multiaddr | None], Any]:
    """Upstream's message builder, for the test that proves the defect."""
    return _original_mk
