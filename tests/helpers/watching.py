"""Following a daemon's watch stream in tests: the state it describes, and fresh snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import msgspec

from app.api.client import LocalClient
from app.api.models import RESNAPSHOT_AFTER, Resync, Snapshot, WatchEvent
from app.api.watch import apply_event


def stable(state: Snapshot) -> Snapshot:
    """``state`` without what changes with no event (uptime, RTTs, agent versions) or numbers."""
    paths = tuple(replace(p, rtt_ms=None) for p in state.paths)
    peers = tuple(
        replace(p, agent_version=None, path=p.path and replace(p.path, rtt_ms=None))
        for p in state.peers
    )
    status = replace(state.status, uptime_seconds=0.0)
    return msgspec.structs.replace(state, seq=0, status=status, paths=paths, peers=peers)


async def catch_up(
    watcher: Watcher,
    items: AsyncIterator[Snapshot | WatchEvent | Resync],
    client: LocalClient,
) -> Snapshot:
    """Read ``items`` until the watcher's state is as new as a fresh snapshot (and any refresh
    snapshot announced is in); return that fresh snapshot."""
    fresh = await fresh_snapshot(client)
    assert watcher.state is not None
    while watcher.state.seq < fresh.seq or watcher.refresh_due:
        watcher.take(await anext(items))
    return fresh


async def fresh_snapshot(client: LocalClient) -> Snapshot:
    """The first line of a new watch stream."""
    items = client.watch()
    try:
        first = await anext(items)
    finally:
        await items.aclose()
    assert isinstance(first, Snapshot)
    return first


class Watcher:
    """Reads a watch stream and keeps the state it describes, checking the numbering.

    Attributes:
        state: The last snapshot with every event since folded in.
        seqs: The numbers of the events taken.
        events: The events taken, in order.
        resyncs: How many ``resync`` lines came.
        refresh_due: An event since the last snapshot announces a refresh snapshot
            (:data:`app.api.models.RESNAPSHOT_AFTER`) that has not come yet.
    """

    def __init__(self) -> None:
        self.state: Snapshot | None = None
        self.seqs: list[int] = []
        self.events: list[WatchEvent] = []
        self.resyncs = 0
        self.refresh_due = False

    def take(self, item: Snapshot | WatchEvent | Resync) -> None:
        if isinstance(item, Snapshot):
            assert self.state is None or item.seq >= self.state.seq
            self.state = item
            self.refresh_due = False
        elif isinstance(item, WatchEvent):
            assert self.state is not None, "an event before the first snapshot"
            assert item.seq == self.state.seq + 1, "events are numbered one after another"
            self.seqs.append(item.seq)
            self.events.append(item)
            self.state = apply_event(self.state, item)
            self.refresh_due = self.refresh_due or item.event.kind in RESNAPSHOT_AFTER
        else:
            self.resyncs += 1
