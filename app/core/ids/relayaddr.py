"""A relay's address as people give it: a full multiaddr, or ``IP[:PORT]`` with its peer ID.

``peerup relay add`` and the tray's preferences both turn what the user typed into the one form
``relay.addresses`` holds, a multiaddr ending in ``/p2p/<relay peer ID>``, with
:func:`relay_address`.
"""

from __future__ import annotations

import ipaddress

from app.core.errors import InvalidAddressError, InvalidPeerIdError
from app.core.ids.netaddr import check_multiaddr_syntax
from app.core.ids.peerid import PeerId

__all__ = ["DEFAULT_RELAY_PORT", "relay_address", "relay_peer"]

DEFAULT_RELAY_PORT = 7777
"""The TCP port a relay listens on unless told otherwise (``relay setup``, ``relay add IP``)."""

_ADDRESS_HINT = (
    "Give the relay's full multiaddr (`peerup relay info` on the relay prints it), or its "
    "IP[:PORT] with --peer-id, e.g. `peerup relay add 203.0.113.7:7777 --peer-id 12D3KooW…`."
)


def _relay_peer_id(text: str) -> str:
    try:
        return str(PeerId.parse(text.strip()))
    except InvalidPeerIdError as exc:
        raise InvalidPeerIdError(
            f"--peer-id {text!r} is not a valid peer ID: {exc.message}",
            hint="`peerup relay info` (or `peerup whoami`) on the relay prints its peer ID.",
        ) from None


def _parse_ip_port(text: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    """Parse ``IP``, ``IP:PORT``, ``[IPv6]`` or ``[IPv6]:PORT`` (default port 7777)."""
    host, port_text = text, ""
    if text.startswith("["):
        close = text.find("]")
        rest = text[close + 1 :] if close >= 0 else ""
        if close < 0 or (rest and not rest.startswith(":")):
            raise InvalidAddressError(
                f"{text!r} is not IP[:PORT] (expected [IPv6] or [IPv6]:PORT)",
                hint="for example: [2001:db8::7]:7777",
            )
        host, port_text = text[1:close], rest[1:]
        if rest and not port_text:
            raise InvalidAddressError(f"{text!r} is not IP[:PORT] (the port is empty)")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        if not port_text:
            raise InvalidAddressError(f"{text!r} is not IP[:PORT] (the port is empty)")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if ":" in host:
            raise InvalidAddressError(
                f"{text!r} is not IP[:PORT] (write IPv6 addresses in brackets: [IPv6]:PORT)",
                hint="for example: [2001:db8::7]:7777",
            ) from None
        raise InvalidAddressError(
            f"{host!r} is not an IP address",
            hint="For a host name, give a full multiaddr: "
            "/dns4/relay.example.com/tcp/7777/p2p/<relay peer ID>.",
        ) from None
    if not port_text:
        return ip, DEFAULT_RELAY_PORT
    if not port_text.isascii() or not port_text.isdigit() or not 0 < int(port_text) <= 65535:
        raise InvalidAddressError(f"{text!r} is not IP[:PORT] (the port must be 1-65535)")
    return ip, int(port_text)


def relay_address(target: str, peer_id: str | None = None) -> str:
    """Build a relay's full multiaddr from what the user typed.

    Args:
        target: A multiaddr (``/ip4/…/tcp/…[/p2p/<id>]``), or ``IP``, ``IP:PORT``, ``[IPv6]`` or
            ``[IPv6]:PORT`` (port 7777 when omitted).
        peer_id: The relay's peer ID; required unless ``target`` already ends in ``/p2p/<id>``.

    Returns:
        The multiaddr ending in ``/p2p/<relay peer ID>``.

    Raises:
        InvalidAddressError: Malformed, no peer ID, or two different peer IDs.
        InvalidPeerIdError: ``peer_id`` is not a peer ID.
    """
    text = target.strip()
    pid = _relay_peer_id(peer_id) if peer_id is not None else None
    if text.startswith("/"):
        addr = check_multiaddr_syntax(text).rstrip("/")
        if "/p2p/" in addr:
            named = addr.rsplit("/p2p/", 1)[1].split("/", 1)[0]
            if pid is not None and named != pid:
                raise InvalidAddressError(
                    f"{addr} names relay {named}, but --peer-id says {pid}",
                    hint="Drop --peer-id, or the /p2p/ part of the address.",
                )
            return addr
        if pid is None:
            raise InvalidAddressError(
                f"{addr} does not say which peer the relay is (no /p2p/<peer ID>)",
                hint=_ADDRESS_HINT,
            )
        return f"{addr}/p2p/{pid}"
    ip, port = _parse_ip_port(text)
    if pid is None:
        raise InvalidAddressError(
            f"the relay's peer ID is needed with an address like {text!r}", hint=_ADDRESS_HINT
        )
    proto = "ip6" if ip.version == 6 else "ip4"
    return f"/{proto}/{ip}/tcp/{port}/p2p/{pid}"


def relay_peer(address: str) -> str:
    """The peer ID at the end of a relay multiaddr ("" if there is none)."""
    if "/p2p/" not in address:
        return ""
    return address.rsplit("/p2p/", 1)[1].split("/", 1)[0]
