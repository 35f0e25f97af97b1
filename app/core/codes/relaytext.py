"""The relay address in a text a person pasted: a QR code's text, a line or two of CLI output.

The tray's "Add relay" takes whatever the relay's admin handed over: the multiaddr that
``peerup relay info`` prints and shows as a QR code, its ``On each node: peerup relay add …``
line (``IP:PORT --peer-id ID`` after ``relay setup``), the start-up lines of ``peerup relay
serve`` (``ready: peer <ID>`` and ``listening on <addresses>``), or a pairing code (or its
``peerup://join/`` link) from ``peerup relay pair``, which carries the relay's addresses.
:func:`relay_address_from_text` finds the address in it; the forms themselves are parsed by
:func:`app.core.ids.relayaddr.relay_address` and :mod:`app.core.codes.paircode`.
"""

from __future__ import annotations

import re

from app.core.codes.codetext import LINK_PREFIX, CodeKind, decode_text
from app.core.codes.paircode import decode_pairing_body
from app.core.errors import InvalidAddressError, InvalidCodeError
from app.core.ids.peerid import is_peer_id
from app.core.ids.relayaddr import relay_address

__all__ = ["MAX_RELAY_TEXT", "relay_address_from_text"]

MAX_RELAY_TEXT = 8192
"""The longest text looked at (a few lines of output; a QR code holds less)."""

_HINT = (
    "Paste the relay's address as `peerup relay info` on the relay prints it "
    "(/ip4/…/tcp/7777/p2p/12D3KooW…), or a pairing code from `peerup relay pair`."
)
_HOSTS = ("/ip4/", "/ip6/", "/dns/", "/dns4/", "/dns6/")
_WILDCARDS = ("/ip4/0.0.0.0/", "/ip6/::/")
# Punctuation around a word in prose or Markdown: `addr`, "addr", addr, (addr)
_AROUND = "`'\",;()<>[]"
_IP_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*[.:][0-9A-Fa-f:.]*)(:\d*)?$")
_CODE = re.compile(r"^[A-Za-z2-7]{1,4}(-[A-Za-z2-7]{1,4}){3,}$")


def _words(text: str) -> list[str]:
    words = []
    for raw in text.split():
        word = (
            raw.strip(_AROUND) if not raw.startswith("[") else raw.rstrip(_AROUND.replace("]", ""))
        )
        if word:
            words.append(word)
    return words


def _peer_id(words: list[str]) -> str | None:
    """The value of ``--peer-id``, else the first word that is a peer ID."""
    for i, word in enumerate(words):
        if word == "--peer-id" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--peer-id="):
            return word.split("=", 1)[1]
    return next((w for w in words if is_peer_id(w)), None)


def _from_code(word: str) -> str:
    try:
        kind, body = decode_text(word)
        if kind in (CodeKind.INVITE, CodeKind.REFERENCE_INVITE):
            raise InvalidAddressError(
                "this is an invite code: it pairs two devices, it is not a relay's address",
                hint="Join with it instead (peerup join, or the tray's Join with a code…).",
            )
        return decode_pairing_body(kind, body).relay_addresses[0]
    except InvalidCodeError as exc:
        raise InvalidAddressError(
            f"this looks like a pairing code, but it cannot be read: {exc.message}",
            hint=exc.hint or _HINT,
        ) from None


def relay_address_from_text(text: str) -> str:
    """The relay's full multiaddr (ending in ``/p2p/<relay peer ID>``) found in ``text``.

    Looks, in this order, for a multiaddr (the first one that is not a wildcard), for a pairing
    code or link (its relay's first address), and for ``IP[:PORT]``. The peer ID of
    ``--peer-id``, else the first peer ID in the text, completes an address without ``/p2p/``
    and must match one with it.

    Args:
        text: What the user pasted or typed: one address, or some lines of output.

    Returns:
        The relay's address, as ``relay.addresses`` holds it.

    Raises:
        InvalidAddressError: No relay address in the text, or one that cannot be used (with
            what is wrong: a malformed part, no peer ID, an invite code, a wildcard address).
        InvalidPeerIdError: The peer ID given with ``--peer-id`` is not one.
    """
    if len(text) > MAX_RELAY_TEXT:
        raise InvalidAddressError(
            f"the text is too long ({len(text)} characters) to hold a relay address", hint=_HINT
        )
    if "<public IP>" in text:
        raise InvalidAddressError(
            "the address still has the placeholder <public IP>",
            hint="Put the relay's public IP address in its place "
            "(`peerup relay info` on the relay shows its addresses).",
        )
    words = _words(text)
    if not words:
        raise InvalidAddressError("there is no relay address: the text is empty", hint=_HINT)
    peer_id = _peer_id(words)
    addresses = [w for w in words if w.startswith(_HOSTS)]
    if addresses:
        usable = [a for a in addresses if not a.startswith(_WILDCARDS)]
        if not usable:
            raise InvalidAddressError(
                f"{addresses[0]} is a listening address (0.0.0.0 and :: stand for every "
                "interface), not one other devices can dial",
                hint="Put the relay's public IP address in its place, or paste what "
                "`peerup relay info` prints on the relay.",
            )
        return relay_address(usable[0], peer_id)
    for word in words:
        if word.lower().startswith(LINK_PREFIX) or _CODE.match(word):
            return _from_code(word)
    for word in words:
        if _IP_PORT.match(word) and any(c.isdigit() for c in word):
            return relay_address(word, peer_id)
    raise InvalidAddressError("there is no relay address in the text", hint=_HINT)
