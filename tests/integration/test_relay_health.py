"""``/healthz`` reports the relay's real state: its hop offered, its listener answering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from app.core.config import load_config
from app.daemon.health import serve_health
from app.engine import compat
from app.engine.node import open_node
from tests.helpers.nodes import free_port, make_node_dir

pytestmark = pytest.mark.trio


async def _get(port: int) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        with trio.fail_after(20):
            response = await client.get(f"http://127.0.0.1:{port}/healthz")
    return response.status_code, response.json()


async def test_healthz_says_not_serving_when_the_hop_or_the_listener_is_gone(
    tmp_path: Path,
) -> None:
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    port = free_port()
    async with (
        open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay,
        trio.open_nursery() as nursery,
    ):
        await nursery.start(serve_health, relay, port)
        code, body = await _get(port)
        assert (code, body["status"], body["problems"]) == (200, "ok", [])
        assert (body["hop"], body["listening"]) == (True, True)
        assert (body["reservations"], body["circuits"]) == (0, 0)

        assert relay._relay_hop is not None
        relay._relay_hop.uninstall()  # as when the hop stops: nothing answers RESERVE
        code, body = await _get(port)
        assert (code, body["status"]) == (503, "not-serving")
        assert body["problems"] == ["the relay hop is not running"]
        relay._relay_hop.install()
        assert (await _get(port))[0] == 200

        await compat.close_listeners(relay._require_host())  # nobody can connect any more
        code, body = await _get(port)
        assert (code, body["status"], body["listening"]) == (503, "not-serving", False)
        assert body["problems"] == ["no libp2p listener answers on the listen port"]
        nursery.cancel_scope.cancel()
