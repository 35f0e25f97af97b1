"""Two peers on one LAN (inside the lab) find each other by mDNS and connect directly.

Neither knows the other's address and there is no relay: only multicast DNS on the home's LAN
(inside the lab's namespaces, so nothing is announced outside them) can bring them together.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.status import PathType
from tests.helpers.nodes import make_node_dir
from tests.lab.daemons import api_call, start_in_ns
from tests.lab.netlab import Lab, unavailable_reason

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))


@pytest.fixture
def lan(tmp_path: Path) -> Iterator[tuple[Lab, list[str]]]:
    with Lab(prefix="pm") as lab:
        home = lab.add_home("h", nat="eim")
        second = lab.add_host(home, "m")
        yield lab, [home.host_ns, second]


def test_peers_on_a_lan_find_each_other_by_mdns(lan: tuple[Lab, list[str]], tmp_path: Path) -> None:
    lab, namespaces = lan
    extra = "discovery: {mdns: true}\n"
    a = make_node_dir(tmp_path, "a", listen="/ip4/0.0.0.0/tcp/4001", extra=extra)
    b = make_node_dir(tmp_path, "b", listen="/ip4/0.0.0.0/tcp/4001", extra=extra)
    a.authorize(b)
    b.authorize(a)
    ends = [start_in_ns(lab, ns, node) for ns, node in zip(namespaces, (a, b), strict=True)]
    deadline = time.monotonic() + 30
    path = None
    while time.monotonic() < deadline:
        try:
            path = api_call(ends[0], "connect", b.peer_id, timeout=15)
            break
        except Exception:
            time.sleep(0.5)
    assert path is not None, "peer not found by mDNS within 30 s"
    assert path.path_type is PathType.DIRECT  # type: ignore[attr-defined]
    assert path.address.startswith("/ip4/192.168.")  # type: ignore[attr-defined]
