"""Short LAN codes: 7-word-word-word, with the PGP word list."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.codes.lancode import LanCode, is_lan_code, nameplate_invite_id, parse_lan_code
from app.core.codes.pgpwords import EVEN, ODD
from app.core.errors import InvalidCodeError


def test_word_list_is_the_pgp_list() -> None:
    assert len(EVEN) == len(ODD) == 256
    assert len(set(EVEN) | set(ODD)) == 512
    digest = hashlib.sha256("\n".join(EVEN + ODD).encode()).hexdigest()
    assert digest == "41db18a831d9c40dc35b374ef36f0bf616d4f563768fcc1a5aa11c7b6530cf5e"
    assert (EVEN[0], ODD[0], EVEN[255], ODD[255]) == ("aardvark", "adroitness", "zulu", "yucatan")


def test_round_trip_any_spelling() -> None:
    code = LanCode.create()
    assert parse_lan_code(code.text()) == code
    assert parse_lan_code("  " + code.text().upper().replace("-", " ") + "\n") == code
    assert is_lan_code(code.text())
    assert not is_lan_code("AMAQ-AAIC-AMCA")
    assert code.invite_id == nameplate_invite_id(code.nameplate)
    assert code.password.endswith(code.text().encode())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0-aardvark-adroitness-aardvark", "1 to 999"),
        ("1000-aardvark-adroitness-aardvark", "number and three words"),
        ("7-aardvark-adroitness", "number and three words"),
        ("7-aardvark-aardvark-aardvark", "word 2 .* wrong place"),
        ("7-aardvark-adroitness-nonsense", "word 3 .* not a code word"),
        ("7-aardvark-adroitness-aardvark-extra", "number and three words"),
    ],
)
def test_precise_errors(text: str, words: str) -> None:
    with pytest.raises(InvalidCodeError, match=words):
        parse_lan_code(text)


@given(st.text(max_size=200))
def test_random_text_only_raises_invalid_code(text: str) -> None:
    try:
        code = parse_lan_code(text)
    except InvalidCodeError:
        return
    assert parse_lan_code(code.text()) == code
