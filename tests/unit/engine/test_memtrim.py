"""memtrim: freed heap memory goes back to the OS (the soak's finding 6: RSS growth)."""

from __future__ import annotations

import sys
import time

import pytest
import trio

from app.engine import memtrim

glibc_only = pytest.mark.skipif(not memtrim.trim_available(), reason="needs glibc's malloc_trim")


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@glibc_only
def test_trim_returns_the_freed_buffers_of_a_forwarding_load() -> None:
    # What forwarding does: large transient buffers (freed) interleaved with small objects that
    # stay (glibc keeps the freed buffers' pages mapped in the middle of its heap).
    big = bytes(4 << 20)  # freed, it raises glibc's mmap threshold: later buffers use the heap
    del big
    memtrim.trim_now()
    baseline = _rss_kib()
    kept: list[bytearray] = []
    buffers: list[bytearray] = []
    for _ in range(400):
        buffers.append(bytearray(256 << 10))
        kept.append(bytearray(600))
    del buffers
    start = time.perf_counter()
    assert memtrim.trim_now()
    took = time.perf_counter() - start
    after = _rss_kib()
    assert after - baseline < 20 << 10, (baseline, after)  # the ~100 MB freed went back
    assert took < 0.5
    assert len(kept) == 400


def test_without_glibc_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memtrim, "_malloc_trim", None)
    assert not memtrim.trim_available()
    assert not memtrim.trim_now()

    async def main() -> None:
        with trio.fail_after(5):
            async with trio.open_nursery() as nursery:
                await nursery.start(memtrim.run_trimmer, 0.01)  # returns at once

    trio.run(main)


@glibc_only
def test_the_trimmer_trims_until_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = memtrim._malloc_trim
    assert real is not None

    def counting(pad: int) -> int:
        calls.append(pad)
        return real(pad)

    monkeypatch.setattr(memtrim, "_malloc_trim", counting)

    async def main() -> None:
        with trio.move_on_after(0.5):
            await memtrim.run_trimmer(0.05)

    trio.run(main)
    assert 3 <= len(calls) <= 11
    assert set(calls) == {0}
    assert sys.platform.startswith("linux")
