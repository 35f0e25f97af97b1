"""Event bus: fan-out of engine events to any number of subscribers.

Publishing never blocks the engine: each subscriber has a bounded buffer, and a subscriber that
falls behind by more than that loses its subscription (its iterator ends) instead of slowing the
node down. Front ends re-read a status snapshot when their stream ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from app.core.status import Event

SUBSCRIBER_BUFFER = 1024


class EventBus:
    """Publish/subscribe of :data:`app.core.status.Event` values."""

    def __init__(self) -> None:
        self._subscribers: set[trio.MemorySendChannel[Event]] = set()
        self._closed = False

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber without waiting."""
        for channel in list(self._subscribers):
            try:
                channel.send_nowait(event)
            except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
                self._subscribers.discard(channel)
                channel.close()

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[AsyncIterator[Event]]:
        """Yield an iterator of events published from now on; it ends when the bus closes."""
        send, receive = trio.open_memory_channel[Event](SUBSCRIBER_BUFFER)
        if self._closed:
            send.close()
        else:
            self._subscribers.add(send)
        try:
            async with receive:
                yield receive
        finally:
            self._subscribers.discard(send)
            send.close()

    def close(self) -> None:
        """End every subscription."""
        self._closed = True
        for channel in self._subscribers:
            channel.close()
        self._subscribers.clear()

    def statistics(self) -> dict[str, int]:
        """Numbers for debugging."""
        return {"subscribers": len(self._subscribers)}
