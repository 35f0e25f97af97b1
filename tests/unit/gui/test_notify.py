"""Which changes notify, and how repeats coalesce (pure logic, a fake clock)."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

pytest.importorskip("PySide6")

from app.api.models import Snapshot
from app.core.status import (
    FingerprintInfo,
    ForwardInfo,
    ForwardState,
    Grade,
    KeyChangeInfo,
    NatMapping,
    NodeStatus,
    PathInfo,
    PathType,
    PeerInfo,
    Reachability,
    VerifySessionInfo,
    VerifyState,
)
from app.gui.notify import Coalescer, Kind, Notice, notices

ME = "12D3KooWMe"
NAS = "12D3KooWNas"


def _reach(grade: Grade, code: str = "endpoint-independent") -> Reachability:
    return Reachability(
        grade=grade,
        reason_code=code,
        reason="x",
        hint="",
        nat_mapping=NatMapping.ENDPOINT_INDEPENDENT,
        udp_blocked=False,
        cgnat=False,
        public_addresses=(),
        probed_at=0.0,
    )


def _state(*peers: PeerInfo, **status: object) -> Snapshot:
    base: dict[str, object] = {
        "peer_id": ME,
        "version": "0",
        "uptime_seconds": 1.0,
        "listen_addresses": (),
        "connected_peers": 0,
        "authorized_peers": 0,
        "services": 0,
        "forwards": 0,
        "config_path": "/x",
        "reachability": _reach(Grade.B),
    }
    base.update(status)
    return Snapshot(seq=1, status=NodeStatus(**base), peers=peers)  # type: ignore[arg-type]


def _peer(path: PathType | None = None, *, authorized: bool = True) -> PeerInfo:
    info = None
    if path is not None:
        info = PathInfo(NAS, path, "/ip4/127.0.0.1/tcp/1", "tcp", "ipv4", 0.0, 2.0)
    return PeerInfo(NAS, "nas", authorized, False, info is not None, path=info)


def test_nothing_on_the_first_state_or_when_disconnected() -> None:
    assert notices(None, _state(_peer())) == []
    assert notices(_state(_peer()), None) == []


def test_a_peer_joined() -> None:
    assert notices(_state(), _state(_peer())) == [Notice(Kind.PEER_JOINED, NAS, "nas")]
    assert notices(_state(_peer()), _state(_peer())) == []


def test_path_upgraded_to_direct_and_fell_back() -> None:
    relayed, direct = _state(_peer(PathType.RELAYED)), _state(_peer(PathType.DIRECT))
    assert notices(relayed, direct) == [Notice(Kind.PATH_DIRECT, NAS, "nas", "tcp")]
    assert notices(direct, relayed) == [Notice(Kind.PATH_RELAYED, NAS, "nas", "tcp")]
    # Connecting or going away is not a path change.
    assert notices(_state(_peer()), direct) == []
    assert notices(direct, _state(_peer())) == []


def test_our_grade_changed() -> None:
    before = _state(reachability=_reach(Grade.B))
    after = _state(reachability=_reach(Grade.D, "symmetric-nat"))
    assert notices(before, after) == [Notice(Kind.GRADE_CHANGED, "self", "D", "symmetric-nat")]
    assert notices(before, before) == []


def test_key_changed() -> None:
    change = KeyChangeInfo("nas", NAS, "12D3KooWNew", True, "changed")
    before, after = _state(), _state(key_changes=(change,))
    assert notices(before, after) == [Notice(Kind.KEY_CHANGED, "12D3KooWNew", "nas")]
    assert notices(after, after) == []


def test_verification_requested() -> None:
    session = VerifySessionInfo(
        id="v1",
        peer_id=NAS,
        peer_name="nas",
        role="responder",
        state=VerifyState.ASKING,
        fingerprint=FingerprintInfo((), (), "000-000", "sha256:0"),
        expires_at=0.0,
    )
    before = _state()
    after = msgspec.structs.replace(before, verify_sessions=(session,))
    assert notices(before, after) == [Notice(Kind.VERIFY_REQUESTED, NAS, "nas")]
    ours = msgspec.structs.replace(
        before, verify_sessions=(dataclasses.replace(session, role="initiator"),)
    )
    assert notices(before, ours) == []


def test_forward_failed() -> None:
    forward = ForwardInfo("f1", NAS, "nas", "ssh", "127.0.0.1:2222", ForwardState.LISTENING)
    failed = dataclasses.replace(forward, errors=1, last_error_code="peer-unreachable")
    before = msgspec.structs.replace(_state(), forwards=(forward,))
    after = msgspec.structs.replace(_state(), forwards=(failed,))
    assert notices(before, after) == [
        Notice(Kind.FORWARD_FAILED, "f1", "ssh @ nas", "peer-unreachable")
    ]
    assert notices(after, after) == []  # the same failure, still shown: no new notice
    again = msgspec.structs.replace(_state(), forwards=(dataclasses.replace(failed, errors=2),))
    assert len(notices(after, again)) == 1


def test_repeats_coalesce_into_one_summary() -> None:
    coalescer = Coalescer(window=5.0)
    direct = Notice(Kind.PATH_DIRECT, NAS, "nas")
    relayed = Notice(Kind.PATH_RELAYED, NAS, "nas")
    assert coalescer.add(direct, 0.0) == direct  # the first is shown at once
    assert coalescer.add(direct, 1.0) is None
    assert coalescer.add(direct, 2.0) is None
    assert coalescer.add(relayed, 2.0) == relayed  # another kind: its own burst
    assert coalescer.next_due() == 7.0  # the window runs from the last repeat
    assert coalescer.due(6.9) == []
    assert coalescer.due(7.0) == [Notice(Kind.PATH_DIRECT, NAS, "nas", repeats=2)]
    assert coalescer.next_due() is None
    assert coalescer.due(100.0) == []  # the relayed burst ends with nothing held
    assert coalescer.add(direct, 100.0) == direct  # quiet long enough: shown at once again


def test_a_storm_gives_two_notifications() -> None:
    coalescer = Coalescer(window=5.0)
    shown = []
    now = 0.0
    for i in range(100):
        now = i * 0.5
        notice = Notice(Kind.GRADE_CHANGED, "self", "BD"[i % 2])
        if (out := coalescer.add(notice, now)) is not None:
            shown.append(out)
        shown += coalescer.due(now)
    shown += coalescer.due(now + 5.0)
    assert [n.repeats for n in shown] == [1, 99]
