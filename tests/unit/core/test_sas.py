"""SAS derivation and the Go peer-up's static fingerprint."""

from __future__ import annotations

import hashlib
import os

from hypothesis import given
from hypothesis import strategies as st

from app.core.ids.peerid import PeerId
from app.core.pairing.sas import EMOJI, derive_sas, emoji_name, reference_fingerprint
from app.core.pairing.sas_table import TABLE_SHA256

A = PeerId.parse("12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL").raw
B = PeerId.parse("12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA").raw


def test_table_is_the_reference_copy() -> None:
    assert len(EMOJI) == 256
    assert len(set(EMOJI)) == 256
    assert hashlib.sha256("\n".join(EMOJI).encode()).hexdigest() == TABLE_SHA256
    assert sum("\ufe0f" in e for e in EMOJI) == 24
    assert all(emoji_name(i) for i in range(256))
    assert emoji_name(0) == "dog face"


def test_reference_fingerprint_vector() -> None:
    fp = reference_fingerprint(A, B)
    assert fp.emoji_text() == "🔧 🎹 🎭 🚗"
    assert fp.numeric == "110-258"
    assert fp.prefix == "sha256:9724b150"
    assert reference_fingerprint(B, A) == fp


def test_sas_symmetric_and_bound_to_everything() -> None:
    secret = bytes(range(32))
    sas = derive_sas(secret, purpose=b"invite/2", id_a=A, id_b=B, transcript=b"t")
    assert sas == derive_sas(secret, purpose=b"invite/2", id_a=B, id_b=A, transcript=b"t")
    assert len(sas.emoji) == 4
    assert len(sas.digits) == 7
    assert sas.digits[3] == " "
    others = [
        derive_sas(bytes(32), purpose=b"invite/2", id_a=A, id_b=B, transcript=b"t"),
        derive_sas(secret, purpose=b"verify/1", id_a=A, id_b=B, transcript=b"t"),
        derive_sas(secret, purpose=b"invite/2", id_a=A, id_b=A, transcript=b"t"),
        derive_sas(secret, purpose=b"invite/2", id_a=A, id_b=B, transcript=b"u"),
    ]
    assert all(o != sas for o in others)
    assert sas.to_json()["digits"] == sas.digits
    assert " · " in sas.emoji_text()


@given(st.binary(min_size=16, max_size=64))
def test_sas_indices_in_range(secret: bytes) -> None:
    sas = derive_sas(secret, purpose=b"p", id_a=A, id_b=B)
    assert all(0 <= i < 256 for i in sas.indices)
    assert 0 <= sas.number < 1_000_000


def test_sas_spreads_over_the_table() -> None:
    seen = {
        derive_sas(os.urandom(32), purpose=b"p", id_a=A, id_b=B).indices[0] for _ in range(2000)
    }
    assert len(seen) > 200
