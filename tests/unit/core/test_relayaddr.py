"""A relay's address from what people type or paste: ``relay_address`` (``peerup relay add``)
and ``relay_address_from_text`` (the tray's "Add relay": QR text and lines of CLI output)."""

from __future__ import annotations

import pytest

from app.core.codes.codetext import to_link
from app.core.codes.invitecode import InviteCode
from app.core.codes.paircode import encode_pairing, encode_reference_pairing
from app.core.codes.relaytext import MAX_RELAY_TEXT, relay_address_from_text
from app.core.errors import InvalidAddressError, InvalidPeerIdError
from app.core.ids.peerid import PeerId
from app.core.ids.relayaddr import relay_address, relay_peer

RELAY_ID = "12D3KooWPFGkL3yuqH6W4YmhpfNdrkk4hT1RpGYXi3JbS7dCLMy6"
OTHER_ID = "12D3KooWHa1ZL7eFxtBNhzaLLwsUP9PTwomRTZCQkUQq2Yfue86Z"
FULL = f"/ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID}"


def test_relay_address_forms() -> None:
    full = f"/ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID}"
    assert relay_address(full) == full
    assert relay_address(full, RELAY_ID) == full
    assert relay_address("/ip4/203.0.113.7/tcp/4001", RELAY_ID) == (
        f"/ip4/203.0.113.7/tcp/4001/p2p/{RELAY_ID}"
    )
    assert relay_address("203.0.113.7", RELAY_ID) == full
    assert relay_address(" 203.0.113.7:4001 ", RELAY_ID) == (
        f"/ip4/203.0.113.7/tcp/4001/p2p/{RELAY_ID}"
    )
    assert relay_address("[2001:db8::7]:4001", RELAY_ID) == (
        f"/ip6/2001:db8::7/tcp/4001/p2p/{RELAY_ID}"
    )
    assert relay_address("[2001:db8::7]", RELAY_ID) == f"/ip6/2001:db8::7/tcp/7777/p2p/{RELAY_ID}"
    assert relay_address("2001:db8::7", RELAY_ID) == f"/ip6/2001:db8::7/tcp/7777/p2p/{RELAY_ID}"
    for bad in (
        "203.0.113.7:0",
        "203.0.113.7:99999",
        "203.0.113.7:",
        "relay.example.com:7777",
        "[2001:db8::7",
        "[2001:db8::7]4001",
        "2001:db8::7:x:y:z:w:v",
    ):
        with pytest.raises(InvalidAddressError):
            relay_address(bad, RELAY_ID)
    with pytest.raises(InvalidAddressError, match="peer ID is needed"):
        relay_address("203.0.113.7")
    with pytest.raises(InvalidAddressError, match="no /p2p/"):
        relay_address("/ip4/203.0.113.7/tcp/7777")
    with pytest.raises(InvalidAddressError, match="--peer-id says"):
        relay_address(full, OTHER_ID)
    with pytest.raises(InvalidPeerIdError):
        relay_address("203.0.113.7", "12D3KooWnope")


def test_relay_peer() -> None:
    assert relay_peer(FULL) == RELAY_ID
    assert relay_peer("/ip4/203.0.113.7/tcp/7777") == ""


# ---- pasted text ---------------------------------------------------------------------------------


def test_text_with_the_address_alone_or_around_it() -> None:
    # The QR code of `peerup relay info` holds the multiaddr alone.
    assert relay_address_from_text(FULL) == FULL
    assert relay_address_from_text(f"  {FULL}\n") == FULL
    assert relay_address_from_text(f"`{FULL}`") == FULL
    # Its last line, and `relay add` lines from chats or docs.
    assert relay_address_from_text(f"On each node: peerup relay add {FULL}") == FULL
    assert relay_address_from_text(f"$ peerup relay add {FULL}\n") == FULL
    assert relay_address_from_text(f"/dns4/relay.example.com/tcp/7777/p2p/{RELAY_ID}") == (
        f"/dns4/relay.example.com/tcp/7777/p2p/{RELAY_ID}"
    )


def test_text_of_relay_info() -> None:
    output = (
        f"Relay peer ID: {RELAY_ID}\n"
        "Addresses:\n"
        f"  /ip4/0.0.0.0/tcp/7777/p2p/{RELAY_ID}\n"
        f"  {FULL}\n"
        f"  /ip4/127.0.0.1/tcp/7777/p2p/{RELAY_ID}\n"
        "Note: 0.0.0.0 and :: stand for every interface\n"
    )
    assert relay_address_from_text(output) == FULL  # the first dialable one


def test_text_of_relay_setup_and_serve() -> None:
    # `relay setup`'s step 4, with the public IP filled in.
    assert relay_address_from_text(f"peerup relay add 203.0.113.7:7777 --peer-id {RELAY_ID}") == (
        FULL
    )
    assert relay_address_from_text(f"203.0.113.7 --peer-id={RELAY_ID}") == FULL
    assert relay_address_from_text(f"[2001:db8::7]:4001 {RELAY_ID}") == (
        f"/ip6/2001:db8::7/tcp/4001/p2p/{RELAY_ID}"
    )
    # `relay serve`'s start-up lines: the peer ID and where it listens.
    ready = (
        f"peerup daemon 0.1.0 ready: peer {RELAY_ID}\n"
        "  listening on /ip4/203.0.113.7/tcp/7777, /ip6/2001:db8::7/tcp/7777\n"
        "  API socket /run/user/1000/peerup/peerup-1234.sock\n"
        "  relaying for other peers (circuit relay v2)\n"
    )
    assert relay_address_from_text(ready) == FULL
    with pytest.raises(InvalidAddressError, match="placeholder"):
        relay_address_from_text(f"/ip4/<public IP>/tcp/7777/p2p/{RELAY_ID}")
    with pytest.raises(InvalidAddressError, match="placeholder"):
        relay_address_from_text(f"peerup relay add <public IP>:7777 --peer-id {RELAY_ID}")


def test_text_of_relay_pair() -> None:
    token = bytes(range(16))
    code = encode_pairing(token, [FULL, f"/ip6/2001:db8::7/tcp/7777/p2p/{RELAY_ID}"], None, 0)
    assert relay_address_from_text(code) == FULL
    assert relay_address_from_text(f"Code 1:  peerup join {code}") == FULL
    assert relay_address_from_text(to_link(code)) == FULL
    reference = encode_reference_pairing(token, FULL, "crew")
    assert relay_address_from_text(f"  1: {reference}") == FULL


def test_text_without_a_usable_relay_address() -> None:
    invite = InviteCode.create(
        PeerId.parse(OTHER_ID), addresses=["/ip4/192.0.2.1/tcp/4001"], expires_at=2_000_000_000
    )
    cases = {
        "": "empty",
        "   \n": "empty",
        "hello relay": "no relay address",
        "/ip4/203.0.113.7/tcp/7777": "no /p2p/",
        "203.0.113.7:7777": "peer ID is needed",
        "203.0.113.7:99999 " + RELAY_ID: "1-65535",
        f"/ip4/0.0.0.0/tcp/7777/p2p/{RELAY_ID}": "listening address",
        f"/ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID} --peer-id {OTHER_ID}": "--peer-id says",
        invite.text(): "invite code",
        invite.link(): "invite code",
        "AMAX-E7OV-AAAA-A4LB": "cannot be read",
        "x" * (MAX_RELAY_TEXT + 1): "too long",
    }
    for text, why in cases.items():
        with pytest.raises(InvalidAddressError, match=why):
            relay_address_from_text(text)
    with pytest.raises(InvalidPeerIdError):
        relay_address_from_text("203.0.113.7 --peer-id 12D3KooWnope")
