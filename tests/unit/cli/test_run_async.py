"""``run_async``: asyncio's reports of errors in callbacks, less anyio's harmless readiness race."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.cli.context import run_async


def test_a_readiness_callback_that_finds_its_read_cancelled_is_not_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        # anyio's Unix-socket read waits on ``add_reader(sock, future.set_result, None)``; when
        # Ctrl+C cancels the read in the pass in which the socket became readable, the queued
        # callback finds the future cancelled. Forced here:
        read = loop.create_future()
        read.cancel()
        loop.call_soon(read.set_result, None)
        loop.call_soon(int, "not a number")  # any other callback error is still reported
        await asyncio.sleep(0.05)

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        run_async(main())
    reports = [r.getMessage().splitlines()[0] for r in caplog.records if r.name == "asyncio"]
    assert reports == ["Exception in callback int('not a number')"]
