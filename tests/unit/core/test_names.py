"""Tests for app.core.ids.names: service names, namespaces, peer nicknames."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import InvalidNameError
from app.core.ids.names import (
    SERVICE_NAME_RE,
    sanitize_peer_name,
    service_name_of,
    service_protocol_id,
    validate_namespace,
    validate_peer_name,
    validate_service_name,
)

GOOD = ["ssh", "a", "0", "web-ui", "home-assistant", "a" * 63, "x1-2y"]
BAD = ["", "-ssh", "ssh-", "SSH", "web_ui", "a" * 64, "ssh\n", "sé", "a b", "a.b", "/x"]


@pytest.mark.parametrize("name", GOOD)
def test_good_service_names(name: str) -> None:
    assert validate_service_name(name) == name
    assert validate_namespace(name) == name
    assert service_protocol_id(name) == f"/peerup/{name}/1.0.0"


@pytest.mark.parametrize("name", BAD)
def test_bad_service_names(name: str) -> None:
    with pytest.raises(InvalidNameError, match="lowercase"):
        validate_service_name(name)
    with pytest.raises(InvalidNameError):
        validate_namespace(name)
    with pytest.raises(InvalidNameError):
        service_protocol_id(name)


def test_regex_is_the_reference_pattern() -> None:
    assert SERVICE_NAME_RE.pattern.startswith("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


@settings(max_examples=300)
@given(text=st.text(max_size=70))
def test_service_name_never_raises_other_errors(text: str) -> None:
    try:
        validate_service_name(text)
    except InvalidNameError:
        return
    assert SERVICE_NAME_RE.fullmatch(text)
    assert 1 <= len(text) <= 63


@settings(max_examples=300)
@given(text=st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z"))
def test_service_name_generated_valid(text: str) -> None:
    assert validate_service_name(text) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("home", "home"),
        ("My Laptop!", "MyLaptop"),
        ("alice.phone_2-x", "alice.phone_2-x"),
        ("été", "t"),
        ("x" * 100, "x" * 64),
        ("", ""),
        ("\n#;", ""),
    ],
)
def test_sanitize_peer_name(raw: str, clean: str) -> None:
    assert sanitize_peer_name(raw) == clean


@settings(max_examples=300)
@given(text=st.text(max_size=100))
def test_sanitize_then_validate(text: str) -> None:
    clean = sanitize_peer_name(text)
    assert len(clean) <= 64
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in clean)
    if clean:
        # Rejection is only possible if the cleaned name happens to be a peer ID.
        with contextlib.suppress(InvalidNameError):
            assert validate_peer_name(clean) == clean


@pytest.mark.parametrize("name", ["home", "Alice", "a.b_c-d", "x" * 64])
def test_good_peer_names(name: str) -> None:
    assert validate_peer_name(name) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "empty"),
        ("x" * 65, "64"),
        ("my laptop", "letters"),
        ("a#b", "letters"),
        ("12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL", "peer ID"),
    ],
)
def test_bad_peer_names(name: str, fragment: str) -> None:
    with pytest.raises(InvalidNameError, match=fragment):
        validate_peer_name(name)


@pytest.mark.parametrize(
    ("protocol", "name"),
    [
        ("/peerup/ssh/1.0.0", "ssh"),
        ("/peerup/home-assistant/1.0.0", "home-assistant"),
        ("/peerup/ssh/2.0.0", None),
        ("/peerup/SSH/1.0.0", None),
        ("/peerup/verify/1.0.0", None),
        ("/peerup/reachability/1.0.0", None),
        ("/peerup/dialback/1.0.0", None),
        ("/peerup/relay-pair/1.0.0", None),
        ("/peerup/peer-notify/1.0.0", None),
        ("/peerup/kad/1.0.0", None),
        ("/peerup/crew/kad/1.0.0", None),
        ("/peerup/invite/2.0.0", None),
        ("/ipfs/id/1.0.0", None),
        ("/pingpong/1.0.0", None),
        ("peerup/ssh/1.0.0", None),
        ("", None),
    ],
)
def test_the_service_a_protocol_offers(protocol: str, name: str | None) -> None:
    assert service_name_of(protocol) == name
    if name is not None:
        assert service_protocol_id(name) == protocol
