"""Tests for app.core.ids.identity: key format, key files, permission refusals."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import AlreadyExistsError, IdentityError
from app.core.ids.identity import (
    Identity,
    create_identity_file,
    load_identity,
    load_or_create_identity,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")

# RFC 8032 test 1: the seed and public key of a known Ed25519 pair.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUB = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def fixed(seed: bytes) -> Callable[[int], bytes]:
    return lambda n: seed[:n]


def test_generate_from_known_seed() -> None:
    ident = Identity.generate(fixed(RFC8032_SEED))
    assert ident.seed == RFC8032_SEED
    assert ident.public_key == RFC8032_PUB
    assert ident.peer_id.ed25519_public_key() == RFC8032_PUB
    assert str(ident.peer_id).startswith("12D3KooW")


def test_private_key_bytes_format() -> None:
    ident = Identity.generate(fixed(RFC8032_SEED))
    data = ident.to_private_key_bytes()
    assert len(data) == 68
    assert data == b"\x08\x01\x12\x40" + RFC8032_SEED + RFC8032_PUB
    assert Identity.from_private_key_bytes(data) == ident


def test_repr_hides_seed() -> None:
    ident = Identity.generate(fixed(RFC8032_SEED))
    assert RFC8032_SEED.hex() not in repr(ident)
    assert repr(RFC8032_SEED) not in repr(ident)


def test_generate_uses_randomness() -> None:
    assert Identity.generate().seed != Identity.generate().seed


def test_generate_rejects_short_randomness() -> None:
    with pytest.raises(IdentityError):
        Identity.generate(lambda n: b"\x00" * (n - 1))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "68"),
        (b"\x08\x01\x12\x40" + b"\x00" * 63, "68"),
        (b"\x08\x01\x12\x40" + b"\x00" * 65, "68"),
        (b"\x08\x02\x12\x40" + RFC8032_SEED + RFC8032_PUB, "header"),
        (b"\x08\x01\x12\x41" + RFC8032_SEED + RFC8032_PUB, "header"),
        (b"\x08\x01\x12\x40" + RFC8032_SEED + bytes(32), "does not match"),
    ],
)
def test_from_private_key_bytes_rejects(data: bytes, fragment: str) -> None:
    with pytest.raises(IdentityError, match=fragment):
        Identity.from_private_key_bytes(data)


@settings(max_examples=100)
@given(seed=st.binary(min_size=32, max_size=32))
def test_round_trip_matches_cryptography(seed: bytes) -> None:
    ident = Identity.generate(fixed(seed))
    expected_pub = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert ident.public_key == expected_pub
    assert Identity.from_private_key_bytes(ident.to_private_key_bytes()) == ident


@settings(max_examples=500)
@given(data=st.binary(max_size=100))
def test_any_bytes_only_raise_identity_error(data: bytes) -> None:
    with contextlib.suppress(IdentityError):
        Identity.from_private_key_bytes(data)


@settings(max_examples=200)
@given(seed=st.binary(min_size=32, max_size=32), pos=st.integers(0, 67), flip=st.integers(1, 255))
def test_any_single_byte_corruption_is_detected(seed: bytes, pos: int, flip: int) -> None:
    data = bytearray(Identity.generate(fixed(seed)).to_private_key_bytes())
    data[pos] ^= flip
    # Header, length, seed or public key: every change breaks the format or the pair check.
    with pytest.raises(IdentityError):
        Identity.from_private_key_bytes(bytes(data))


# --- files ----------------------------------------------------------------------------------


@posix_only
def test_create_and_load(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    ident = create_identity_file(path, fixed(RFC8032_SEED))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == ident.to_private_key_bytes()
    assert load_identity(path) == ident


@posix_only
def test_create_ignores_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        create_identity_file(tmp_path / "k")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600


def test_create_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    first = create_identity_file(path)
    with pytest.raises(AlreadyExistsError):
        create_identity_file(path)
    assert load_identity(path) == first


def test_load_missing(tmp_path: Path) -> None:
    with pytest.raises(IdentityError, match="does not exist") as info:
        load_identity(tmp_path / "nope.key")
    assert info.value.hint
    assert "init" in info.value.hint


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_load_refuses_insecure_permissions(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "identity.key"
    create_identity_file(path)
    path.chmod(mode)
    with pytest.raises(IdentityError) as info:
        load_identity(path)
    assert info.value.message == (
        f"key file {path} has insecure permissions {mode:04o} (expected 0600)"
    )
    assert info.value.hint == f"fix with: chmod 600 {path}"
    assert "Traceback" not in str(info.value)


@posix_only
def test_load_accepts_0400(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    ident = create_identity_file(path)
    path.chmod(0o400)
    assert load_identity(path) == ident


@posix_only
def test_load_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\n")
    path.chmod(0o600)
    with pytest.raises(IdentityError, match=str(path)):
        load_identity(path)


@posix_only
def test_load_huge_file_is_rejected_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    path.write_bytes(b"\x00" * 100_000)
    path.chmod(0o600)
    with pytest.raises(IdentityError):
        load_identity(path)


def test_load_or_create(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    ident, created = load_or_create_identity(path)
    assert created
    again, created_again = load_or_create_identity(path)
    assert not created_again
    assert again == ident
