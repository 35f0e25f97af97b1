"""Host:port and multiaddr syntax checks.

These run where users type addresses (CLI, config, API) so that mistakes are reported with the
offending part named, before anything reaches the engine, which does the real multiaddr parse.
"""

from __future__ import annotations

import ipaddress
import re

from app.core.errors import InvalidAddressError, InvalidPeerIdError
from app.core.ids.peerid import PeerId

__all__ = ["check_multiaddr_syntax", "format_host_port", "parse_host_port"]

_HOSTNAME_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_MAX_ADDR = 1024


def _parse_port(text: str, whole: str) -> int:
    if not text or not text.isascii() or not text.isdigit():
        raise InvalidAddressError(
            f"{whole!r} is not host:port (port {text!r} is not a number)",
            hint="for example: 127.0.0.1:2222 or just 2222",
        )
    if len(text) > 5 or int(text) > 65535:
        raise InvalidAddressError(f"{whole!r} is not host:port (port must be 0-65535)")
    return int(text)


def _check_host(host: str, whole: str) -> str:
    if not host:
        raise InvalidAddressError(f"{whole!r} is not host:port (the host is empty)")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host.removesuffix(".")
    if (
        len(name) > 253
        or not name.isascii()
        or not all(_HOSTNAME_LABEL.fullmatch(label) for label in name.split("."))
        # A dotted all-numeric host is a mistyped IPv4 address, not a name.
        or all(label.isdigit() for label in name.split("."))
    ):
        raise InvalidAddressError(f"{whole!r} is not host:port ({host!r} is not a valid host)")
    return host


def parse_host_port(text: str, *, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """Parse ``port``, ``host:port`` or ``[ipv6]:port``.

    Args:
        text: e.g. ``"2222"``, ``"localhost:22"``, ``"[::1]:2222"``.
        default_host: Host used when ``text`` is only a port.

    Returns:
        ``(host, port)``; IPv6 hosts come back without brackets. Port 0 means "any free port".

    Raises:
        InvalidAddressError: The text is not of that form or the port is outside 0-65535.
    """
    if not isinstance(text, str):
        raise InvalidAddressError("address must be text")
    whole = text
    text = text.strip()
    if not text:
        raise InvalidAddressError("address is empty", hint="for example: 127.0.0.1:2222")
    if len(text) > _MAX_ADDR:
        raise InvalidAddressError("address is too long")
    if text.isascii() and text.isdigit():
        return default_host, _parse_port(text, whole)
    if text.startswith("["):
        close = text.find("]")
        if close < 0 or not text[close + 1 :].startswith(":"):
            raise InvalidAddressError(
                f"{whole!r} is not host:port (expected [ipv6]:port)", hint="for example: [::1]:2222"
            )
        host = text[1:close]
        try:
            ip = ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidAddressError(
                f"{whole!r} is not host:port ({host!r} is not an IPv6 address)"
            ) from None
        return str(ip), _parse_port(text[close + 2 :], whole)
    host, sep, port = text.rpartition(":")
    if not sep:
        raise InvalidAddressError(
            f"{whole!r} is not host:port (the port is missing)", hint="for example: localhost:22"
        )
    if ":" in host:
        raise InvalidAddressError(
            f"{whole!r} is not host:port (write IPv6 addresses in brackets)",
            hint="for example: [::1]:2222",
        )
    return _check_host(host, whole), _parse_port(port, whole)


def format_host_port(host: str, port: int) -> str:
    """Return ``host:port``, bracketing IPv6 hosts (``[::1]:22``)."""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def _check_dns_name(value: str, addr: str) -> None:
    name = value.removesuffix(".")
    if (
        not name
        or len(name) > 253
        or not all(_HOSTNAME_LABEL.fullmatch(label) for label in name.split("."))
    ):
        raise InvalidAddressError(f"multiaddr {addr!r}: {value!r} is not a valid DNS name")


def _check_port(value: str, proto: str, addr: str) -> None:
    if not value.isascii() or not value.isdigit() or len(value) > 5 or int(value) > 65535:
        raise InvalidAddressError(f"multiaddr {addr!r}: /{proto} port {value!r} is not 0-65535")


def _check_value(proto: str, value: str, addr: str) -> None:
    if proto == "ip4":
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise InvalidAddressError(
                f"multiaddr {addr!r}: {value!r} is not an IPv4 address"
            ) from None
    elif proto == "ip6":
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            raise InvalidAddressError(
                f"multiaddr {addr!r}: {value!r} is not an IPv6 address"
            ) from None
    elif proto in ("dns", "dns4", "dns6"):
        _check_dns_name(value, addr)
    elif proto in ("tcp", "udp"):
        _check_port(value, proto, addr)
    elif proto == "p2p":
        try:
            PeerId.parse(value)
        except InvalidPeerIdError as exc:
            raise InvalidAddressError(f"multiaddr {addr!r}: {exc.message}") from None


# Protocol name → number of values it takes.
_PROTOCOLS: dict[str, int] = {
    "ip4": 1,
    "ip6": 1,
    "dns": 1,
    "dns4": 1,
    "dns6": 1,
    "tcp": 1,
    "udp": 1,
    "p2p": 1,
    "ipfs": 1,
    "quic": 0,
    "quic-v1": 0,
    "p2p-circuit": 0,
    "ws": 0,
    "wss": 0,
}


def check_multiaddr_syntax(text: str) -> str:
    """Check that ``text`` looks like a multiaddr we can use.

    This is a light syntactic check (known protocol names, value counts, IP addresses, ports,
    peer IDs); the engine does the real parse.

    Args:
        text: e.g. ``/ip4/192.168.1.5/tcp/4001/p2p/12D3KooW…``.

    Returns:
        The multiaddr with surrounding whitespace removed.

    Raises:
        InvalidAddressError: Naming the part that is wrong.
    """
    if not isinstance(text, str):
        raise InvalidAddressError("multiaddr must be text")
    addr = text.strip()
    if not addr:
        raise InvalidAddressError("multiaddr is empty", hint="for example: /ip4/1.2.3.4/tcp/4001")
    if len(addr) > _MAX_ADDR:
        raise InvalidAddressError("multiaddr is too long")
    if not addr.startswith("/"):
        raise InvalidAddressError(
            f"multiaddr {addr!r} must start with '/'", hint="for example: /ip4/1.2.3.4/tcp/4001"
        )
    # go-multiaddr ignores trailing slashes; so do we.
    body = addr.rstrip("/")
    if not body:
        raise InvalidAddressError(f"multiaddr {addr!r} has no protocols")
    parts = body[1:].split("/")
    i = 0
    while i < len(parts):
        proto = parts[i]
        if not proto:
            raise InvalidAddressError(f"multiaddr {addr!r} has an empty part ('//')")
        if proto not in _PROTOCOLS:
            known = ", ".join(sorted(_PROTOCOLS))
            raise InvalidAddressError(
                f"multiaddr {addr!r}: unknown protocol {proto!r}", hint=f"known protocols: {known}"
            )
        count = _PROTOCOLS[proto]
        if i + count >= len(parts):
            raise InvalidAddressError(f"multiaddr {addr!r}: /{proto} needs a value")
        for value in parts[i + 1 : i + 1 + count]:
            _check_value(proto, value, addr)
        i += 1 + count
    return addr
