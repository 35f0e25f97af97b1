"""``/peerup/dialback/1.0.0``: a relay confirms that a node is publicly dialable.

The node sends the TCP addresses it listens on; the relay opens a *new* TCP connection to each
(never reusing the connection the request came on, which is how py-libp2p's AutoNAT reports a
false "reachable") and checks that a libp2p listener answers multistream-select there. Only
addresses whose IP is the one the relay sees the request coming from are tried, so a relay cannot
be used to probe third parties; a requester whose connection comes through another relay (the
IP seen is that relay's) is refused, and requests are rate-limited per peer and in total
(:class:`app.engine.relay.RelayHop`). One JSON message each way; both sides validate everything.
"""

from __future__ import annotations

import ipaddress
from typing import TypeVar

import msgspec

from app.core.errors import RemoteProtocolError
from app.core.wire.wirejson import decode_json_message

PROTOCOL_ID = "/peerup/dialback/1.0.0"
MAX_MESSAGE = 4096
MAX_ADDRESSES = 8
MULTISTREAM_HEADER = b"\x13/multistream/1.0.0\n"


class DialbackRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The addresses to dial back (``/ip4|ip6/<ip>/tcp/<port>``)."""

    addrs: list[str]


class DialbackResponse(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The addresses on which a libp2p listener answered."""

    reachable: list[str]


_M = TypeVar("_M", DialbackRequest, DialbackResponse)


def tcp_target(addr: str) -> tuple[str, int] | None:
    """``(ip, port)`` of a plain TCP multiaddr, or None when it is anything else."""
    parts = addr.strip("/").split("/")
    if len(parts) < 4 or parts[0] not in ("ip4", "ip6") or parts[2] != "tcp":
        return None
    try:
        ip = ipaddress.ip_address(parts[1])
        port = int(parts[3])
    except ValueError:
        return None
    if not 0 < port < 65536 or ip.is_unspecified or ip.is_multicast:
        return None
    return str(ip), port


def encode_request(addrs: list[str]) -> bytes:
    """The request for up to :data:`MAX_ADDRESSES` addresses."""
    return msgspec.json.encode(DialbackRequest(addrs=addrs[:MAX_ADDRESSES]))


def decode_request(data: bytes) -> DialbackRequest:
    """Parse a request.

    Raises:
        RemoteProtocolError: oversized, malformed, or too many addresses.
    """
    value = _decode(data, DialbackRequest)
    if len(value.addrs) > MAX_ADDRESSES:
        raise RemoteProtocolError(f"dial-back request lists more than {MAX_ADDRESSES} addresses")
    return value


def encode_response(reachable: list[str]) -> bytes:
    """The reply."""
    return msgspec.json.encode(DialbackResponse(reachable=reachable))


def decode_response(data: bytes) -> DialbackResponse:
    """Parse a reply.

    Raises:
        RemoteProtocolError: oversized or malformed.
    """
    value = _decode(data, DialbackResponse)
    if len(value.reachable) > MAX_ADDRESSES:
        raise RemoteProtocolError("dial-back reply lists too many addresses")
    return value


def _decode(data: bytes, kind: type[_M]) -> _M:
    value = decode_json_message(data, kind, limit=MAX_MESSAGE, what="dial-back message")
    addrs = value.addrs if isinstance(value, DialbackRequest) else value.reachable
    if any(len(a) > 200 for a in addrs):
        raise RemoteProtocolError("dial-back message has an oversized address")
    return value
