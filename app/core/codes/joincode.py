"""Whatever a person pastes to join: an invite code or link, a short LAN code, a relay pairing
code (ours or the Go peer-up's). One parser for every front end (``peerup join``, the tray's join
dialog), built from the parsers of each kind.
"""

from __future__ import annotations

from app.core.codes.codetext import CodeKind, decode_text
from app.core.codes.invitecode import InviteCode, decode_invite_body
from app.core.codes.lancode import LanCode, is_lan_code, parse_lan_code
from app.core.codes.paircode import PairingCode, decode_pairing_body
from app.core.errors import InvalidCodeError

__all__ = ["JoinCode", "parse_join_code"]

JoinCode = InviteCode | LanCode | PairingCode
"""A parsed code: an invite (long), a short LAN code, or a relay pairing code."""


def parse_join_code(text: str) -> JoinCode:
    """Parse a code, a ``peerup://join/`` link or a short ``7-word-word-word`` code.

    Raises:
        InvalidCodeError: with a precise message (a typo, a cut-off code, a word that is not a
            code word, the Go peer-up's invite codes, which this peer-up cannot join).
    """
    if is_lan_code(text):
        return parse_lan_code(text)
    kind, body = decode_text(text)
    if kind in (CodeKind.PAIRING, CodeKind.REFERENCE_PAIRING):
        return decode_pairing_body(kind, body)
    if kind is CodeKind.REFERENCE_INVITE:
        raise InvalidCodeError(
            "this is an invite code of the Go peer-up (/peerup/invite/1.0.0), which has no key "
            "confirmation; this peer-up only joins its own codes",
            hint="run `peerup invite` on a device with this peer-up",
        )
    return decode_invite_body(body)
