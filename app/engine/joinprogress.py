"""Reporting a join's steps on the bus (``join-progress``), for every front end to follow.

A join (an invite code, or a relay pairing code) is one request of one client, but the tray shows
its progress whoever started it: :func:`open_join_report` publishes each step the join reaches,
and ``failed`` with the reason's stable code when it ends with an error (``cancelled`` when the
client went away). Nothing secret goes into the events: the code never does.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from app.core.errors import PairingError, PeerupError
from app.core.status import JoinProgress, JoinStep
from app.engine.bus import EventBus

__all__ = ["JoinReport", "open_join_report"]


class JoinReport:
    """The steps of one join; see :func:`open_join_report`.

    Attributes:
        join_id: ``join-<hex>``, the same on every step of this join.
        peer_id: The inviter or the relay; None while unknown (a LAN code's inviter is looked
            for first). Set it once known: the next steps carry it.
        ended: Whether ``done`` or ``failed`` was published.
    """

    def __init__(self, bus: EventBus, via: str, peer_id: str | None) -> None:
        self._bus = bus
        self._via = via
        self.peer_id = peer_id
        self.join_id = f"join-{secrets.token_hex(4)}"
        self.ended = False

    def step(self, step: JoinStep) -> None:
        """Publish that the join reached ``step`` (not ``failed``: that is the context's job)."""
        self._bus.publish(JoinProgress(self.join_id, self._via, self.peer_id, step))
        self.ended = step is JoinStep.DONE

    def failed(self, reason_code: str, reason: str) -> None:
        """Publish the end of the join with an error."""
        self._bus.publish(
            JoinProgress(
                self.join_id,
                self._via,
                self.peer_id,
                JoinStep.FAILED,
                reason_code=reason_code,
                reason=reason,
            )
        )
        self.ended = True


@contextmanager
def open_join_report(bus: EventBus, *, via: str, peer_id: str | None) -> Iterator[JoinReport]:
    """Publish ``connecting``, yield the report for the next steps, and report a failure.

    Args:
        bus: Where the events go.
        via: ``invite`` or ``relay-pairing``.
        peer_id: The inviter, or the relay (None while unknown).

    Yields:
        The report; call :meth:`JoinReport.step` as the join goes on (``done`` last).

    An exception out of the block publishes ``failed``: a :class:`PairingError`'s reason (e.g.
    ``wrong-code``, ``unreachable``), another error's code, ``cancelled`` on cancellation and
    ``internal-error`` for anything else.
    """
    report = JoinReport(bus, via, peer_id)
    report.step(JoinStep.CONNECTING)
    try:
        yield report
    except PairingError as exc:
        report.failed(exc.reason, exc.message)
        raise
    except PeerupError as exc:
        report.failed(exc.code, exc.message)
        raise
    except Exception:  # a bug: the daemon's log has the traceback
        report.failed("internal-error", "the join failed on an internal error")
        raise
    except BaseException:  # cancelled: the client went away, or the node stops
        report.failed("cancelled", "the join was cancelled")
        raise
    finally:
        if not report.ended:  # the block returned early without saying so
            report.failed("cancelled", "the join was cancelled")
