"""Naming rules for services, DHT namespaces and peer nicknames.

Service names end up in libp2p protocol IDs (``/peerup/<name>/1.0.0``) and namespaces in DHT
protocol IDs, so both follow the reference's DNS-label rule to stay interoperable with Go peers.
Peer names are local nicknames shown in lists and typed on the command line; they must never be
mistaken for a peer ID.
"""

from __future__ import annotations

import platform
import re

from app.core.errors import InvalidNameError, InvalidNetworkError
from app.core.ids.peerid import is_peer_id

__all__ = [
    "FALLBACK_DEVICE_NAME",
    "MAX_PEER_NAME",
    "PROTOCOL_NAMES",
    "SERVICE_NAME_RE",
    "default_device_name",
    "sanitize_peer_name",
    "service_name_of",
    "service_protocol_id",
    "validate_namespace",
    "validate_peer_name",
    "validate_service_name",
]

SERVICE_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
MAX_PEER_NAME = 64
FALLBACK_DEVICE_NAME = "peerup"
"""The device name announced when the host name gives none (see :func:`default_device_name`)."""
_PEER_NAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")
_DNS_LABEL_RULE = (
    "1-63 characters: lowercase letters, digits and '-', starting and ending with a letter or digit"
)


def _is_dns_label(text: str) -> bool:
    # fullmatch, not match: "$" would accept a trailing newline.
    return isinstance(text, str) and SERVICE_NAME_RE.fullmatch(text) is not None


def validate_service_name(name: str) -> str:
    """Check a service name against the reference's DNS-label rule.

    Args:
        name: e.g. ``"ssh"`` or ``"web-ui"``.

    Returns:
        ``name`` unchanged.

    Raises:
        InvalidNameError: The name breaks the rule; the message states the rule.
    """
    if not _is_dns_label(name):
        raise InvalidNameError(
            f"invalid service name {name!r}: use {_DNS_LABEL_RULE}",
            hint="for example: ssh, web, home-assistant",
        )
    return name


def service_protocol_id(name: str) -> str:
    """Return the libp2p protocol ID of a service, e.g. ``/peerup/ssh/1.0.0``.

    Raises:
        InvalidNameError: ``name`` is not a valid service name.
    """
    return f"/peerup/{validate_service_name(name)}/1.0.0"


PROTOCOL_NAMES = frozenset(
    {
        "dialback",
        "invite",
        "kad",
        "peer-notify",
        "ping",
        "reachability",
        "relay-pair",
        "rtt-probe",
        "verify",
    }
)
"""Names in peer-up's own protocol IDs (``/peerup/<name>/1.0.0``, ours and the Go peer-up's):
those are no services."""


def service_name_of(protocol_id: str) -> str | None:
    """The service a protocol ID offers: ``ssh`` for ``/peerup/ssh/1.0.0``.

    Returns:
        The service name, or None for anything else (another scheme or version, a name that
        breaks the naming rule, one of peer-up's own protocols in :data:`PROTOCOL_NAMES`).
    """
    parts = protocol_id.split("/") if isinstance(protocol_id, str) else []
    if len(parts) != 4 or parts[0] != "" or parts[1] != "peerup" or parts[3] != "1.0.0":
        return None
    name = parts[2]
    if not _is_dns_label(name) or name in PROTOCOL_NAMES:
        return None
    return name


def validate_namespace(ns: str) -> str:
    """Check a private-network (DHT namespace) name; same rule as service names.

    Raises:
        InvalidNetworkError: The namespace breaks the rule (an :class:`InvalidNameError`).
    """
    if not _is_dns_label(ns):
        raise InvalidNetworkError(
            f"invalid network name {ns!r}: use {_DNS_LABEL_RULE}",
            hint="for example: my-crew",
        )
    return ns


def sanitize_peer_name(name: str) -> str:
    """Turn arbitrary text (e.g. a hostname sent by a peer) into a safe peer name.

    Keeps ``[A-Za-z0-9._-]``, drops everything else, and caps the result at 64 characters. The
    result may be empty; callers choose a fallback.
    """
    kept = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-"))
    return kept[:MAX_PEER_NAME]


def default_device_name(hostname: str | None = None) -> str:
    """The name this device announces when the config sets none (``identity.name``).

    The host name's first label (``laptop`` of ``laptop.example.org``) made a safe peer name,
    or :data:`FALLBACK_DEVICE_NAME` when nothing usable is left.

    Args:
        hostname: The host name; default: this machine's (``platform.node()``).
    """
    text = platform.node() if hostname is None else hostname
    name = sanitize_peer_name(text.split(".")[0])
    if not name or is_peer_id(name):
        return FALLBACK_DEVICE_NAME
    return name


def validate_peer_name(name: str) -> str:
    """Check a local nickname for a peer.

    Raises:
        InvalidNameError: Empty, too long, a character outside ``[A-Za-z0-9._-]``, or the name
            is itself a peer ID (which would make lookups ambiguous).
    """
    if not isinstance(name, str) or not name:
        raise InvalidNameError("peer name is empty")
    if len(name) > MAX_PEER_NAME:
        raise InvalidNameError(
            f"peer name is {len(name)} characters long (at most {MAX_PEER_NAME} allowed)"
        )
    if _PEER_NAME_RE.fullmatch(name) is None:
        raise InvalidNameError(
            f"invalid peer name {name!r}: use letters, digits, '.', '_' and '-' only",
            hint="for example: home, laptop, alice-phone",
        )
    if is_peer_id(name):
        raise InvalidNameError(
            f"peer name {name!r} is a peer ID; choose a nickname instead",
            hint="for example: home",
        )
    return name
