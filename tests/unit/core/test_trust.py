"""Tests for app.core.peers.trust: the verified= value, its recomputation, key-change detection."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app.core.ids.peerid import PeerId
from app.core.pairing.sas import reference_fingerprint
from app.core.peers.authkeys import AuthorizedKey, AuthorizedKeysFile, parse_authorized_keys
from app.core.peers.trust import (
    bind_name,
    clear_verified,
    is_verified,
    mark_verified,
    verified_peers,
    verified_value,
)

A = PeerId.parse("12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL")
B = PeerId.parse("12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA")
C = PeerId.from_ed25519_public_key(bytes(range(32)))


def _entry(peer: PeerId, verified: str | None = None, comment: str = "") -> AuthorizedKey:
    attrs = (("verified", verified),) if verified else ()
    return AuthorizedKey(peer_id=peer, attributes=attrs, comment=comment, line=1)


def test_verified_value_is_the_go_prefix_and_symmetric() -> None:
    value = verified_value(A, B)
    assert value == reference_fingerprint(A.raw, B.raw).prefix
    assert value == verified_value(B, A)
    assert value.startswith("sha256:")
    assert len(value) == len("sha256:") + 8


def test_is_verified_recomputes() -> None:
    assert is_verified(_entry(B, verified_value(A, B)), A)
    assert is_verified(_entry(B, verified_value(A, B).upper().replace("SHA", "sha")), A)
    assert not is_verified(_entry(B), A)
    # A value copied from another peer's line never counts.
    assert not is_verified(_entry(C, verified_value(A, B)), A)
    # Nor does the value computed for another own ID (a file copied to another device).
    assert not is_verified(_entry(B, verified_value(C, B)), A)
    assert not is_verified(_entry(B, "yes"), A)


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_value_binds_both_ids(k1: bytes, k2: bytes) -> None:
    p1 = PeerId.from_ed25519_public_key(k1)
    p2 = PeerId.from_ed25519_public_key(k2)
    entry = _entry(p2, verified_value(p1, p2))
    assert is_verified(entry, p1)
    # Symmetric: the other end's file carries the same value for us.
    assert is_verified(_entry(p1, verified_value(p2, p1)), p2)
    # A third party's ID never matches (outside a 32-bit prefix collision, which hypothesis
    # cannot find).
    assert not is_verified(_entry(p2, verified_value(p1, p2)), C) or p1 == C


def test_mark_and_clear_on_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "authorized_keys"
    keys = AuthorizedKeysFile(path)
    keys.add(B, "laptop")
    keys.add(C, "phone")
    assert verified_peers(keys.load(), A) == frozenset()
    value = mark_verified(keys, A, B)
    assert f"verified={value}" in path.read_text()
    assert verified_peers(keys.load(), A) == frozenset({B})
    # Survives a reload from disk (a restart): nothing lives in memory.
    assert verified_peers(AuthorizedKeysFile(path).load(), A) == frozenset({B})
    clear_verified(keys, B)
    assert verified_peers(keys.load(), A) == frozenset()
    assert "verified=" not in path.read_text()


def test_bind_name_new_name_and_same_key() -> None:
    entries = [_entry(B, comment="laptop")]
    assert bind_name("phone", C, names=[], entries=entries) is None
    assert bind_name("laptop", B, names=[("laptop", str(B))], entries=entries) is None
    assert bind_name("laptop", B, names=[], entries=entries) is None


def test_bind_name_detects_change_in_names() -> None:
    change = bind_name("laptop", C, names=[("laptop", str(B))], entries=[], own=A)
    assert change is not None
    assert (change.old, change.new, change.old_was_verified) == (B, C, False)
    assert "laptop" in change.message()
    assert "UNVERIFIED" in change.message()
    assert change.to_json()["old_peer_id"] == str(B)


def test_bind_name_detects_change_in_comment_and_remembers_verified() -> None:
    text = f"{B}  verified={verified_value(A, B)}  # Laptop\n"
    entries, _ = parse_authorized_keys(text)
    change = bind_name("laptop", C, names=[], entries=entries, own=A)
    assert change is not None
    assert change.old == B
    assert change.old_was_verified
    assert "which you had verified" in change.message()


def test_bind_name_ignores_unparsable_names_entry() -> None:
    assert bind_name("laptop", C, names=[("laptop", "garbage")], entries=[]) is None
