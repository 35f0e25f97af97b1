"""A port mapping made while a peer is connected reaches that peer (identify-push).

Two real nodes on loopback; B has ``network.port_mapping: true`` and its NAT-PMP gateway is a
real UDP responder on loopback (tests/helpers/natpmp_gateway.py) that first refuses, then maps.
The NAT lab (tests/lab/test_port_mapping*.py) covers real routers and the relay's dial-back.
The mapping is also published to front ends (``port-mapping-changed``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.reach import natpmp
from app.core.status import PathType, PortMappingChanged
from app.engine import portmap
from app.engine.bus import Numbered
from app.engine.node import open_node
from tests.helpers.natpmp_gateway import FakeNatPmpGateway
from tests.helpers.nodes import make_node_dir, peerstore_addresses

pytestmark = pytest.mark.trio


async def test_mapped_address_is_pushed_to_connected_peers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeNatPmpGateway(port_offset=100, result=natpmp.ResultCode.NOT_AUTHORIZED)

    async def loopback_gateway() -> str:
        return "127.0.0.1"

    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        monkeypatch.setattr(portmap, "default_gateway", loopback_gateway)
        monkeypatch.setattr(portmap, "NATPMP_PORT", gateway.port)
        b_dir = make_node_dir(tmp_path, "b", hole_punching=False)
        b_dir.config_path.write_text(
            b_dir.config_path.read_text().replace(
                "hole_punching: false}", "hole_punching: false, port_mapping: true}"
            )
        )
        a_dir = make_node_dir(tmp_path, "a", names={"b": b_dir.peer_id}, hole_punching=False)
        a_dir.authorize(b_dir)
        b_dir.authorize(a_dir)
        async with (
            open_node(load_config(b_dir.config_path), b_dir.identity) as bnode,
            bnode.subscribe() as b_events,
        ):
            b_addr = bnode.status().listen_addresses[0]
            b_port = int(b_addr.split("/")[4])
            mapped = f"/ip4/203.0.113.77/tcp/{b_port + 100}"
            async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
                path = await anode.connect("b", [b_addr])
                assert path.path_type is PathType.DIRECT
                assert bnode._portmap is not None
                with trio.fail_after(15):
                    while bnode._portmap.error is None:  # noqa: ASYNC110 - the refusal
                        await trio.sleep(0.05)
                assert mapped not in peerstore_addresses(anode, b_dir.peer_id)

                gateway.result = 0
                bnode._portmap.refresh_soon()
                with trio.fail_after(15):
                    while mapped not in peerstore_addresses(anode, b_dir.peer_id):  # noqa: ASYNC110
                        await trio.sleep(0.05)
                info = bnode.status().port_mapping
                assert info is not None
                assert info.method == "nat-pmp"
                assert info.external_address == f"203.0.113.77:{b_port + 100}"
                # Front ends heard of it (the refusal before made no mapping: no event).
                with trio.fail_after(5):
                    async for item in b_events:
                        assert isinstance(item, Numbered)
                        if isinstance(item.event, PortMappingChanged):
                            assert item.event.mapping == info
                            break
        # B stopped: its mapping was deleted (lifetime 0).
        assert gateway.mappings == {}
        assert gateway.requests[-1] == natpmp.encode_delete_request(b_port)
        nursery.cancel_scope.cancel()
