"""Which changes notify, and how repeats coalesce (pure logic, a fake clock)."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

pytest.importorskip("PySide6")

from app.core.status import (
    FingerprintInfo,
    ForwardInfo,
    ForwardState,
    Grade,
    KeyChangeInfo,
    PathInfo,
    PathType,
    PeerInfo,
    VerifySessionInfo,
    VerifyState,
)
from app.gui.notify import Coalescer, Kind, Notice, notices
from tests.helpers.factories import reachability, snapshot

NAS = "12D3KooWNas"


def _peer(path: PathType | None = None, *, authorized: bool = True) -> PeerInfo:
    info = None
    if path is not None:
        info = PathInfo(NAS, path, "/ip4/127.0.0.1/tcp/1", "tcp", "ipv4", 0.0, 2.0)
    return PeerInfo(NAS, "nas", authorized, False, info is not None, path=info)


def test_nothing_on_the_first_state_or_when_disconnected() -> None:
    assert notices(None, snapshot(_peer())) == []
    assert notices(snapshot(_peer()), None) == []


def test_a_peer_joined() -> None:
    assert notices(snapshot(), snapshot(_peer())) == [Notice(Kind.PEER_JOINED, NAS, "nas")]
    assert notices(snapshot(_peer()), snapshot(_peer())) == []


def test_path_upgraded_to_direct_and_fell_back() -> None:
    relayed, direct = snapshot(_peer(PathType.RELAYED)), snapshot(_peer(PathType.DIRECT))
    assert notices(relayed, direct) == [Notice(Kind.PATH_DIRECT, NAS, "nas", "tcp")]
    assert notices(direct, relayed) == [Notice(Kind.PATH_RELAYED, NAS, "nas", "tcp")]
    # Connecting or going away is not a path change.
    assert notices(snapshot(_peer()), direct) == []
    assert notices(direct, snapshot(_peer())) == []


def test_our_grade_changed() -> None:
    before = snapshot(reachability=reachability(Grade.B))
    after = snapshot(reachability=reachability(Grade.D, "symmetric-nat"))
    assert notices(before, after) == [Notice(Kind.GRADE_CHANGED, "self", "D", "symmetric-nat")]
    assert notices(before, before) == []


def test_key_changed() -> None:
    change = KeyChangeInfo("nas", NAS, "12D3KooWNew", True, "changed")
    before, after = snapshot(), snapshot(key_changes=(change,))
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
    before = snapshot()
    after = msgspec.structs.replace(before, verify_sessions=(session,))
    assert notices(before, after) == [Notice(Kind.VERIFY_REQUESTED, NAS, "nas")]
    ours = msgspec.structs.replace(
        before, verify_sessions=(dataclasses.replace(session, role="initiator"),)
    )
    assert notices(before, ours) == []


def test_forward_failed() -> None:
    forward = ForwardInfo("f1", NAS, "nas", "ssh", "127.0.0.1:2222", ForwardState.LISTENING)
    failed = dataclasses.replace(forward, errors=1, last_error_code="peer-unreachable")
    before = msgspec.structs.replace(snapshot(), forwards=(forward,))
    after = msgspec.structs.replace(snapshot(), forwards=(failed,))
    assert notices(before, after) == [
        Notice(Kind.FORWARD_FAILED, "f1", "ssh @ nas", "peer-unreachable")
    ]
    assert notices(after, after) == []  # the same failure, still shown: no new notice
    again = msgspec.structs.replace(snapshot(), forwards=(dataclasses.replace(failed, errors=2),))
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
