"""Text forms of codes: base32 grouping, links, the typo check, and precise errors."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.codes.codetext import CodeKind, decode_text, encode_text, to_link
from app.core.errors import InvalidCodeError


@given(st.sampled_from([3, 4]), st.binary(min_size=1, max_size=300))
def test_round_trip(kind: int, payload: bytes) -> None:
    body = bytes([kind]) + payload
    text = encode_text(body)
    assert all(len(g) <= 4 for g in text.split("-"))
    assert decode_text(text) == (CodeKind(kind), body)
    assert decode_text(to_link(text)) == (CodeKind(kind), body)
    assert decode_text(" " + text.lower().replace("-", " ") + "\n") == (CodeKind(kind), body)


@given(st.text(max_size=400))
def test_any_text_gives_a_code_or_a_clear_error(text: str) -> None:
    with contextlib.suppress(InvalidCodeError):
        kind, body = decode_text(text)
        assert decode_text(encode_text(body)) == (kind, body)


def test_reference_code_vector_is_recognised() -> None:
    vector = (
        "AIAA-CAQD-AQCQ-MBYI-BEFA-WDAN-BYH4-WADR-GIPG-CJQA-EQEA-CERA-TJDB-ABZL-BLQ4-PP6A-"
        "UN64-6AF7-7THS-KGRL-B6ZG-XGHG-RUBM-E6RZ-XVLQ-A"
    )
    kind, raw = decode_text(vector)
    assert kind is CodeKind.REFERENCE_PAIRING
    assert encode_text(raw) == vector


def test_typo_is_caught_by_the_check() -> None:
    text = encode_text(b"\x03" + bytes(range(40)))
    flipped = ("B" if text[10] == "A" else "A").join([text[:10], text[11:]])
    with pytest.raises(InvalidCodeError, match="typo"):
        decode_text(flipped)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("peerup://join/", "empty"),
        ("ABCD-EF1G", "cannot be in it: '1'"),
        ("A", "cut off"),
        ("74", "newer than"),
        ("AA", "unsupported code version 0"),
        ("x" * 5000, "too long"),
    ],
)
def test_errors_say_what_is_wrong(text: str, match: str) -> None:
    with pytest.raises(InvalidCodeError, match=match):
        decode_text(text)
