"""One parser for everything a person pastes to join: invite codes and links, short LAN codes,
relay pairing codes (ours and the Go peer-up's); the Go peer-up's invite codes are refused."""

from __future__ import annotations

import pytest

from app.core.codes.codetext import CodeKind, encode_text
from app.core.codes.invitecode import InviteCode
from app.core.codes.joincode import parse_join_code
from app.core.codes.lancode import LanCode, code_words
from app.core.codes.paircode import PairingCode, encode_pairing
from app.core.codes.pgpwords import EVEN, ODD
from app.core.errors import InvalidCodeError
from app.core.ids.peerid import PeerId

INVITER = PeerId.parse("12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA")
RELAY = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
VECTOR = (  # the Go peer-up's relay pairing code (tests/unit/core/test_paircode.py)
    "AIAA-CAQD-AQCQ-MBYI-BEFA-WDAN-BYH4-WADR-GIPG-CJQA-EQEA-CERA-TJDB-ABZL-BLQ4-PP6A-"
    "UN64-6AF7-7THS-KGRL-B6ZG-XGHG-RUBM-E6RZ-XVLQ-A"
)


def test_each_kind_is_told_apart() -> None:
    invite = InviteCode.create(INVITER, addresses=["/ip4/192.0.2.1/tcp/4001"], expires_at=10)
    assert parse_join_code(invite.text()) == invite
    assert parse_join_code(invite.link()) == invite
    short = LanCode.create()
    assert parse_join_code(short.text()) == short
    ours = parse_join_code(encode_pairing(bytes(16), [f"/ip4/1.2.3.4/tcp/7/p2p/{RELAY}"], None, 9))
    assert isinstance(ours, PairingCode)
    assert ours.kind is CodeKind.PAIRING
    theirs = parse_join_code(VECTOR)
    assert isinstance(theirs, PairingCode)
    assert theirs.kind is CodeKind.REFERENCE_PAIRING


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (encode_text(b"\x01" + bytes(40)), "Go peer-up"),
        ("7-aardvark-aardvark-aardvark", "wrong place"),
        ("AMAX-E7OV", "cut off|too short|typo"),
        ("", "empty"),
    ],
)
def test_bad_input_is_a_precise_error(text: str, words: str) -> None:
    with pytest.raises(InvalidCodeError, match=words):
        parse_join_code(text)


def test_code_words_follow_the_alternating_lists() -> None:
    assert (code_words(1), code_words(2), code_words(3)) == (EVEN, ODD, EVEN)
    with pytest.raises(ValueError, match="words 1 to 3"):
        code_words(4)
