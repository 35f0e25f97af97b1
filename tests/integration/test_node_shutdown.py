"""A stopped node leaves nothing listening, so the same process can start it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import load_config
from app.engine.node import open_node
from tests.helpers.nodes import accepts_tcp, make_node_dir

pytestmark = pytest.mark.trio


async def test_a_stopped_node_listens_no_more_and_starts_again_on_its_port(tmp_path: Path) -> None:
    first = make_node_dir(tmp_path, "n")
    async with open_node(load_config(first.config_path), first.identity) as node:
        address = node.status().listen_addresses[0]
        port = int(address.split("/tcp/")[1].split("/")[0])
        assert await accepts_tcp(port)
    assert not await accepts_tcp(port)  # compat LISTENER-LEAK
    again = make_node_dir(tmp_path, "again", listen=f"/ip4/127.0.0.1/tcp/{port}")
    async with open_node(load_config(again.config_path), again.identity) as node:
        assert node.status().listen_addresses[0].startswith(f"/ip4/127.0.0.1/tcp/{port}")
