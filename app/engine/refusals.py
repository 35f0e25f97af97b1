"""Refused connections, counted and reported at a bounded rate.

A stranger refused by the gate costs us a Noise handshake; it must not also cost an event per
attempt. A flood of refused strangers would otherwise publish thousands of events a second and
push every slow subscriber of the bus (a watch stream, the tray) off the bus (it gets a
``Resync``). So each refusal is counted (:attr:`RefusalReporter.total`, shown in the node's
status), and at most one ``connection-refused`` event goes out per :data:`REPORT_INTERVAL`:
the first refusal after a quiet interval at once, the ones that follow within the interval
together in one event at its end, with their ``count`` and the last peer and address.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import trio

from app.core.status import ConnectionRefused
from app.engine.bus import EventBus

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

__all__ = ["REPORT_INTERVAL", "RefusalReporter"]

log = logging.getLogger("peerup.engine.gate")

REPORT_INTERVAL = 1.0


class RefusalReporter:
    """Counts refused connections; publishes at most one event per interval on ``bus``.

    Args:
        bus: Where ``connection-refused`` events go.
        interval: Seconds (trio's clock) between two events.

    Without :meth:`run`, only the first refusal of each interval is published; :meth:`run`
    publishes the rest of an interval's refusals at its end.
    """

    def __init__(self, bus: EventBus, *, interval: float = REPORT_INTERVAL) -> None:
        self._bus = bus
        self._interval = interval
        self.total = 0
        self._pending = 0
        self._last: tuple[str, str] = ("", "")
        self._next_report = -math.inf
        self._wake = trio.Event()

    def refused(self, peer_id: str, address: str) -> None:
        """Count one refused connection of ``peer_id`` from ``address``."""
        self.total += 1
        self._pending += 1
        self._last = (peer_id, address)
        log.debug("refused connection from unauthorized peer %s at %s", peer_id, address)
        if trio.current_time() >= self._next_report:
            self._report()
        else:
            self._wake.set()

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Publish the refusals held back during an interval at its end, until cancelled."""
        task_status.started()
        while True:
            await self._wake.wait()
            self._wake = trio.Event()
            await trio.sleep_until(self._next_report)
            if self._pending:
                self._report()

    def _report(self) -> None:
        count, (peer_id, address) = self._pending, self._last
        self._pending = 0
        self._next_report = trio.current_time() + self._interval
        if count == 1:
            log.warning("refused connection from unauthorized peer %s at %s", peer_id, address)
        else:
            log.warning(
                "refused %d connections from unauthorized peers (the last: %s at %s)",
                count, peer_id, address,
            )  # fmt: skip
        self._bus.publish(ConnectionRefused(peer_id=peer_id, address=address, count=count))
