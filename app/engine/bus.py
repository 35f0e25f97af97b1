"""Event bus: fan-out of engine events to any number of subscribers, numbered in order.

Every published event gets the next sequence number of the bus (1, 2, …; one bus per node, so
per daemon run). A snapshot of the node's state taken while :attr:`EventBus.seq` is ``n`` is
consistent with events 1 to ``n``: a front end that subscribes first, then takes a snapshot and
notes ``seq``, applies exactly the events numbered above it and misses nothing.

Publishing never blocks the engine: each subscriber has a bounded buffer. A subscriber that falls
behind by more than that is not dropped silently (its stream would look like a node that
stopped): the events it could not take are discarded and its next item is a :class:`Resync`,
after which it receives the events published from then on. It should take a fresh snapshot then.
A subscription ends only when the bus closes (the node stops) or the subscriber leaves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio

from app.core.status import Event

SUBSCRIBER_BUFFER = 1024


@dataclass(frozen=True, slots=True)
class Numbered:
    """An event with its sequence number on the bus.

    Attributes:
        seq: 1 for the bus's first event, then one more for each.
        event: The event.
    """

    seq: int
    event: Event


@dataclass(frozen=True, slots=True)
class Resync:
    """The subscriber fell behind: events were lost, and the stream goes on after ``seq``.

    Attributes:
        seq: The last event published when the subscription resumed; the next item is the event
            numbered ``seq + 1``. A snapshot taken now is consistent with ``seq``.
    """

    seq: int


class Subscription:
    """One subscriber's view of the bus: an async iterator of :class:`Numbered` and :class:`Resync`.

    Create it with :meth:`EventBus.subscribe`. Iteration ends when the bus closes.
    """

    def __init__(self, bus: EventBus, buffer: int) -> None:
        self._bus = bus
        self._buffer = buffer
        self._send, self._receive = trio.open_memory_channel[Numbered](buffer)
        self._behind = False

    @property
    def latest_seq(self) -> int:
        """The bus's last sequence number: a snapshot taken now is consistent with it."""
        return self._bus.seq

    @property
    def pending(self) -> int:
        """How many events are buffered, not yet taken (0: the subscriber has caught up)."""
        return self._receive.statistics().current_buffer_used

    def offer(self, item: Numbered) -> bool:
        """Buffer ``item`` without waiting; False once this subscriber has fallen behind or left.

        The bus calls this; a False answer takes the subscriber off the bus until it resumes.
        """
        try:
            self._send.send_nowait(item)
        except trio.WouldBlock:
            self._behind = True
            return False
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return False
        return True

    def end(self) -> None:
        """End the iteration once the buffered events are taken (the bus closed)."""
        self._send.close()

    def close(self) -> None:
        """Leave the bus and drop whatever is buffered."""
        self._bus.discard(self)
        self._send.close()
        self._receive.close()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Numbered | Resync:
        if self._behind:
            # What is still buffered is older than the snapshot the subscriber is about to take.
            self._send.close()
            self._receive.close()
            if self._bus.closed:
                raise StopAsyncIteration
            self._behind = False
            self._send, self._receive = trio.open_memory_channel[Numbered](self._buffer)
            self._bus.attach(self)
            return Resync(seq=self._bus.seq)
        try:
            return await self._receive.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            raise StopAsyncIteration from None


class EventBus:
    """Publish/subscribe of :data:`app.core.status.Event` values, numbered in publishing order."""

    def __init__(self, *, buffer: int = SUBSCRIBER_BUFFER) -> None:
        """Create an empty bus.

        Args:
            buffer: How many events each subscriber may have pending before it falls behind.
        """
        self._buffer = buffer
        self._subscribers: set[Subscription] = set()
        self._seq = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def seq(self) -> int:
        """The sequence number of the last event published (0 before the first)."""
        return self._seq

    def publish(self, event: Event) -> None:
        """Number ``event`` and deliver it to every subscriber without waiting."""
        self._seq += 1
        item = Numbered(self._seq, event)
        for subscriber in list(self._subscribers):
            if not subscriber.offer(item):
                self._subscribers.discard(subscriber)

    @asynccontextmanager
    async def subscribe(self, *, buffer: int | None = None) -> AsyncIterator[Subscription]:
        """Yield a subscription to the events published from now on.

        It yields :class:`Numbered` events and, after falling behind, one :class:`Resync`; it
        ends when the bus closes.

        Args:
            buffer: How many events it may have pending (default: the bus's).
        """
        subscription = Subscription(self, self._buffer if buffer is None else buffer)
        self.attach(subscription)
        try:
            yield subscription
        finally:
            subscription.close()

    def attach(self, subscription: Subscription) -> None:
        """Deliver events to ``subscription`` from now on (it ends at once on a closed bus)."""
        if self._closed:
            subscription.end()
        else:
            self._subscribers.add(subscription)

    def discard(self, subscription: Subscription) -> None:
        """Stop delivering events to ``subscription``."""
        self._subscribers.discard(subscription)

    def close(self) -> None:
        """End every subscription (each still gets what it has buffered)."""
        self._closed = True
        for subscription in self._subscribers:
            subscription.end()
        self._subscribers.clear()

    def statistics(self) -> dict[str, int]:
        """Numbers for debugging."""
        return {"subscribers": len(self._subscribers), "seq": self._seq}
