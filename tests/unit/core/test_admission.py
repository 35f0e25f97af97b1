"""The admission table (app/core/peers/admission.py): its rules, its properties, its docs."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from libp2p.host.ping import ID as LIBP2P_PING
from libp2p.identity.identify.identify import ID as LIBP2P_IDENTIFY
from libp2p.identity.identify_push.identify_push import ID_PUSH as LIBP2P_IDENTIFY_PUSH
from libp2p.relay.circuit_v2.dcutr import PROTOCOL_ID as LIBP2P_DCUTR

from app.core.ids.names import service_protocol_id
from app.core.ids.peerid import PeerId
from app.core.pairing import invite, relaypair, verify
from app.core.peers import admission
from app.core.peers.admission import (
    DEFAULT_RULE,
    RULES,
    Role,
    is_dht_protocol,
    is_relay_entry,
    markdown_table,
    may_open,
    roles_for,
    rule_for,
)
from app.core.peers.authkeys import parse_authorized_keys
from app.core.peers.peerbook import PeerBookModel
from app.core.reach import dialback, gradewire
from app.engine.dht import protocol_id as dht_protocol_id
from app.engine.relay import HOP_PROTOCOL, STOP_PROTOCOL

DOC = Path(__file__).parents[3] / "docs" / "security.md"
TABLE_PROTOCOLS = [r.protocol for r in RULES]
roles = st.frozensets(st.sampled_from(list(Role)))
protocols = st.one_of(
    st.sampled_from(TABLE_PROTOCOLS),
    st.text(min_size=1, max_size=40),
    st.from_regex(r"/peerup/[a-z0-9-]{1,12}/1\.0\.0", fullmatch=True),
)


def test_protocol_ids_are_the_ones_their_modules_speak() -> None:
    assert admission.IDENTIFY == LIBP2P_IDENTIFY
    assert admission.IDENTIFY_PUSH == LIBP2P_IDENTIFY_PUSH
    assert admission.PING == LIBP2P_PING
    assert admission.DCUTR == LIBP2P_DCUTR
    assert admission.HOP == HOP_PROTOCOL
    assert admission.STOP == STOP_PROTOCOL
    assert admission.DIALBACK == dialback.PROTOCOL_ID
    assert admission.REACHABILITY == gradewire.PROTOCOL_ID
    assert admission.VERIFY == verify.PROTOCOL_ID
    assert admission.INVITE == invite.PROTOCOL_ID
    assert admission.RELAY_PAIR == relaypair.PAIR_PROTOCOL
    assert admission.NOTIFY == relaypair.NOTIFY_PROTOCOL
    for network in (None, "home", "my-net"):
        assert is_dht_protocol(dht_protocol_id(network))
        assert rule_for(dht_protocol_id(network)).protocol == admission.DHT_PATTERN


def test_each_role_gets_what_it_needs_and_no_more() -> None:
    stranger = {Role.ANYONE}
    assert may_open(admission.IDENTIFY, stranger)
    for protocol in [*TABLE_PROTOCOLS, service_protocol_id("ssh"), "/pingpong/1.0.0"]:
        if protocol != admission.IDENTIFY:
            assert not may_open(protocol, stranger), protocol
    relay = {Role.ANYONE, Role.RELAY}
    assert may_open(admission.STOP, relay)
    assert may_open(admission.NOTIFY, relay)
    assert may_open(dht_protocol_id(None), relay)
    for protocol in (service_protocol_id("ssh"), admission.VERIFY, admission.PING, admission.HOP):
        assert not may_open(protocol, relay), protocol
    invitee = {Role.PROBATION}
    assert may_open(admission.INVITE, invitee)
    assert not may_open(admission.IDENTIFY, invitee)
    assert not may_open(service_protocol_id("ssh"), invitee)
    peer = {Role.ANYONE, Role.AUTHORIZED}
    for protocol in (service_protocol_id("ssh"), admission.VERIFY, admission.PING, admission.HOP):
        assert may_open(protocol, peer), protocol
    # A peer is no relay: circuits and introductions come from relays only.
    assert not may_open(admission.STOP, peer)
    assert not may_open(admission.NOTIFY, peer)
    dht = {Role.ANYONE, Role.DHT}
    assert may_open(dht_protocol_id("home"), dht)
    assert not may_open(admission.STOP, dht)


def test_an_open_relay_opens_the_hop_and_dialback_only() -> None:
    stranger = {Role.ANYONE}
    assert not may_open(admission.HOP, stranger)
    assert may_open(admission.HOP, stranger, open_relay=True)
    assert may_open(admission.DIALBACK, stranger, open_relay=True)
    assert not may_open(service_protocol_id("ssh"), stranger, open_relay=True)


@given(protocols, roles, roles)
def test_more_roles_never_open_less(
    protocol: str, some: frozenset[Role], more: frozenset[Role]
) -> None:
    if may_open(protocol, some):
        assert may_open(protocol, some | more)


@given(protocols, roles)
def test_an_open_relay_never_closes_anything(protocol: str, held: frozenset[Role]) -> None:
    if may_open(protocol, held):
        assert may_open(protocol, held, open_relay=True)


@given(protocols)
def test_what_a_stranger_may_open(protocol: str) -> None:
    assert may_open(protocol, {Role.ANYONE}) == (protocol == admission.IDENTIFY)
    if may_open(protocol, {Role.ANYONE}, open_relay=True):
        assert protocol in (admission.IDENTIFY, admission.HOP, admission.DIALBACK)


@given(protocols)
def test_relays_and_invitees_never_reach_a_service(protocol: str) -> None:
    """Whatever is not in the table (services, the ping line, anything new) is for peers."""
    if protocol not in TABLE_PROTOCOLS and not is_dht_protocol(protocol):
        assert rule_for(protocol) is DEFAULT_RULE
        assert roles_for(protocol) == {Role.AUTHORIZED}
        for held in ({Role.RELAY, Role.ANYONE}, {Role.PROBATION}, {Role.DHT, Role.ANYONE}):
            assert not may_open(protocol, held)


@given(roles)
def test_verify_and_services_need_a_peer(held: frozenset[Role]) -> None:
    for protocol in (admission.VERIFY, service_protocol_id("files")):
        assert may_open(protocol, held) == (Role.AUTHORIZED in held)


def test_a_relay_line_is_no_peer() -> None:
    relay = PeerId.parse("12D3KooWCRscMgHgEo3ojm8ovzheydpvTEqsDtq7Vby38cMHrYjt")
    peer = PeerId.parse("12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf")
    entries, errors = parse_authorized_keys(
        f"{relay}  group=0a0b0c0d  role=relay  # relay\n{peer}  group=0a0b0c0d  # laptop\n"
    )
    assert not errors
    assert [is_relay_entry(e) for e in entries] == [True, False]
    model = PeerBookModel.of(None, entries, ())
    assert not model.is_authorized(str(relay), now=0.0)
    assert model.is_relay(str(relay), now=0.0)
    assert model.is_authorized(str(peer), now=0.0)
    assert model.peer_ids() == [str(peer)]


def test_the_security_doc_shows_the_table() -> None:
    text = DOC.read_text()
    match = re.search(
        r"<!-- admission-table -->\n(.*?)<!-- /admission-table -->", text, flags=re.DOTALL
    )
    assert match is not None, "docs/security.md lacks the admission table markers"
    assert match.group(1) == markdown_table(), (
        "docs/security.md's admission table differs from the code's: paste "
        "app.core.peers.admission.markdown_table() between the markers"
    )
