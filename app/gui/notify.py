"""Which desktop notifications a change of state deserves, and how repeats coalesce.

Pure logic (no Qt): :func:`notices` compares two folded states and says what a user wants to
hear about; :class:`Coalescer` keeps a burst of the same kind for the same subject (a path
flapping between direct and relayed, a grade bouncing) down to one notification at once and
one summary at the end of the quiet window. Time comes in as an argument.
:mod:`app.gui.notifications` shows the result through the tray.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from app.api.models import Snapshot
from app.core.status import ForwardState, PathType, VerifyState

COALESCE_S = 5.0  # a repeat of one kind for one subject within this is merged


class Kind(enum.StrEnum):
    """The kinds of notification; each can be turned off (a preference per kind)."""

    PEER_JOINED = "peer-joined"
    VERIFY_REQUESTED = "verify-requested"
    FORWARD_FAILED = "forward-failed"
    PATH_DIRECT = "path-direct"
    PATH_RELAYED = "path-relayed"
    KEY_CHANGED = "key-changed"
    GRADE_CHANGED = "grade-changed"


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing to tell: its kind, what it is about (a peer ID, a forward ID…) and details.

    Attributes:
        kind: The kind.
        subject: What it is about; repeats coalesce per (kind, subject).
        name: A name to show for the subject (a peer's name, a forward's service).
        detail: Extra text to show (an error code, the new grade…), untranslated.
        repeats: How many notices this one stands for (more than 1 for a summary).
    """

    kind: Kind
    subject: str
    name: str = ""
    detail: str = ""
    repeats: int = 1


def notices(before: Snapshot | None, after: Snapshot | None) -> list[Notice]:
    """What changed from ``before`` to ``after`` that deserves a notification.

    Nothing is told for the first state after (re)connecting (``before`` None): that is not
    a change the user made or needs to hear about again.
    """
    if before is None or after is None:
        return []
    out: list[Notice] = []
    old_peers = {p.peer_id: p for p in before.peers}
    for peer in after.peers:
        name = peer.name or peer.peer_id
        old = old_peers.get(peer.peer_id)
        if peer.authorized and (old is None or not old.authorized):
            out.append(Notice(Kind.PEER_JOINED, peer.peer_id, name))
        if old is None or old.path is None or peer.path is None:
            continue
        if old.path.path_type is not peer.path.path_type:
            kind = Kind.PATH_DIRECT if peer.path.path_type is PathType.DIRECT else Kind.PATH_RELAYED
            out.append(Notice(kind, peer.peer_id, name, peer.path.transport))
    names = {p.peer_id: p.name for p in after.peers if p.name}  # a run names only config names
    old_sessions = {s.id: s for s in before.verify_sessions}
    for session in after.verify_sessions:
        was = old_sessions.get(session.id)
        if (
            session.role == "responder"
            and session.state is VerifyState.ASKING
            and (was is None or was.state is not VerifyState.ASKING)
        ):
            name = session.peer_name or names.get(session.peer_id) or session.peer_id
            out.append(Notice(Kind.VERIFY_REQUESTED, session.peer_id, name))
    old_forwards = {f.id: f for f in before.forwards}
    for forward in after.forwards:
        was_fwd = old_forwards.get(forward.id)
        failed = forward.state is ForwardState.FAILED or forward.last_error_code is not None
        was_failed = was_fwd is not None and (
            was_fwd.state is ForwardState.FAILED or was_fwd.last_error_code is not None
        )
        if failed and (not was_failed or (was_fwd is not None and forward.errors > was_fwd.errors)):
            out.append(
                Notice(
                    Kind.FORWARD_FAILED,
                    forward.id,
                    f"{forward.service} @ {forward.peer_name or forward.peer_id}",
                    forward.last_error_code or "",
                )
            )
    known = {(c.name, c.new_peer_id) for c in before.status.key_changes}
    out.extend(
        Notice(Kind.KEY_CHANGED, change.new_peer_id, change.name)
        for change in after.status.key_changes
        if (change.name, change.new_peer_id) not in known
    )
    ours, theirs = before.status.reachability, after.status.reachability
    if ours is not None and theirs is not None and ours.grade is not theirs.grade:
        out.append(Notice(Kind.GRADE_CHANGED, "self", theirs.grade.value, theirs.reason_code))
    return out


@dataclass(slots=True)
class _Burst:
    until: float  # end of the quiet window
    held: Notice | None = None  # the latest notice held back
    count: int = 0  # how many were held back


@dataclass(slots=True)
class Coalescer:
    """Lets the first notice of a (kind, subject) through and merges repeats in a window.

    A notice whose (kind, subject) was told less than ``window`` seconds ago is held; when the
    window ends, :meth:`due` gives one summary (the latest notice, ``repeats`` = how many were
    held). Any notice extends its burst's window, so a flapping path stays quiet until it
    settles for ``window`` seconds.
    """

    window: float = COALESCE_S
    _bursts: dict[tuple[Kind, str], _Burst] = field(default_factory=dict)

    def add(self, notice: Notice, now: float) -> Notice | None:
        """Offer ``notice`` at time ``now``; returns it when it is to be shown now."""
        key = (notice.kind, notice.subject)
        burst = self._bursts.get(key)
        if burst is None or (now >= burst.until and burst.held is None):
            self._bursts[key] = _Burst(until=now + self.window)
            return notice
        burst.until = now + self.window
        burst.held = notice
        burst.count += 1
        return None

    def due(self, now: float) -> list[Notice]:
        """The summaries whose window has ended by ``now``; forgets ended bursts."""
        out: list[Notice] = []
        for key, burst in list(self._bursts.items()):
            if now < burst.until:
                continue
            del self._bursts[key]
            if burst.held is not None:
                held = burst.held
                out.append(
                    Notice(held.kind, held.subject, held.name, held.detail, repeats=burst.count)
                )
        return out

    def next_due(self) -> float | None:
        """When :meth:`due` next has something to give (None when nothing is held)."""
        times = [b.until for b in self._bursts.values() if b.held is not None]
        return min(times) if times else None
