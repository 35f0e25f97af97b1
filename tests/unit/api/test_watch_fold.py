"""app.api.watch.apply_event on the event kinds of invites, RTTs, port mappings, settings,
config and services."""

from __future__ import annotations

from dataclasses import replace

import msgspec

from app.api.models import Snapshot, WatchEvent
from app.api.watch import apply_event
from app.core.status import (
    ConfigChanged,
    InviteChanged,
    InviteInfo,
    InviteState,
    JoinProgress,
    JoinStep,
    PortMappingChanged,
    PortMappingInfo,
    RttChanged,
    ServiceInfo,
    ServicesChanged,
    SettingsChanged,
)
from tests.helpers.fakes import HOME, LAPTOP, FakeNode


def snapshot() -> Snapshot:
    node = FakeNode()
    return Snapshot(
        seq=10,
        status=node.status(),
        settings=node.settings(),
        peers=tuple(node.peers()),
        paths=tuple(node.paths()),
    )


def test_an_invite_is_listed_while_open_and_leaves_when_it_ends() -> None:
    state = snapshot()
    info = InviteInfo(id="inv-1", state=InviteState.OPEN, expires_at=1e9, attempts_left=3)
    state = apply_event(state, WatchEvent(11, InviteChanged(info)))
    assert state.invites == (info,)
    assert state.seq == 11
    failed = replace(info, failures=1, attempts_left=2, peer_id=LAPTOP)
    state = apply_event(state, WatchEvent(12, InviteChanged(failed)))
    assert state.invites == (failed,)
    joined = replace(failed, state=InviteState.JOINED, peer_name="laptop")
    state = apply_event(state, WatchEvent(13, InviteChanged(joined)))
    assert state.invites == ()


def test_rtt_changes_reach_the_path_and_the_peer() -> None:
    state = apply_event(snapshot(), WatchEvent(11, RttChanged(peer_id=HOME, rtt_ms=42.5)))
    (path,) = state.paths
    assert path.rtt_ms == 42.5
    home = next(p for p in state.peers if p.peer_id == HOME)
    assert home.path is not None
    assert home.path.rtt_ms == 42.5
    state = apply_event(state, WatchEvent(12, RttChanged(peer_id=HOME, rtt_ms=None)))
    assert state.paths[0].rtt_ms is None
    # A peer without a path stays without one.
    state = apply_event(state, WatchEvent(13, RttChanged(peer_id=LAPTOP, rtt_ms=1.0)))
    assert next(p for p in state.peers if p.peer_id == LAPTOP).path is None


def test_a_port_mapping_goes_into_the_status() -> None:
    mapping = PortMappingInfo("TCP", "203.0.113.7:4001", "192.168.1.2:4001", "192.168.1.1", None)
    state = apply_event(snapshot(), WatchEvent(11, PortMappingChanged(mapping)))
    assert state.status.port_mapping == mapping
    state = apply_event(state, WatchEvent(12, PortMappingChanged(None)))
    assert state.status.port_mapping is None


def test_new_settings_replace_the_old_and_the_status_network() -> None:
    before = snapshot()
    new = replace(before.settings, device_name="study-pc", network="crew", mdns=True)
    state = apply_event(before, WatchEvent(11, SettingsChanged(settings=new)))
    assert state.settings == new
    assert state.status.network == "crew"
    assert msgspec.structs.replace(
        state, settings=before.settings, status=before.status, seq=10
    ) == (before)


def test_events_that_change_no_snapshot_state_only_advance_the_number() -> None:
    before = snapshot()
    for seq, event in enumerate(
        (
            ConfigChanged(keys=("relay.addresses",)),
            JoinProgress("join-1", "invite", HOME, JoinStep.CONNECTING),
        ),
        start=11,
    ):
        after = apply_event(before, WatchEvent(seq, event))
        assert msgspec.structs.replace(after, seq=before.seq) == before
        assert after.seq == seq


def test_services_are_listed_switched_off_too_and_the_status_counts_the_exposed() -> None:
    web = ServiceInfo("web", "/peerup/web/1.0.0", "localhost:8080", enabled=True)
    ssh = ServiceInfo("ssh", "/peerup/ssh/1.0.0", "localhost:22", enabled=False)
    state = apply_event(snapshot(), WatchEvent(11, ServicesChanged(services=(web, ssh))))
    assert state.services == (web, ssh)
    assert state.status.services == 1
