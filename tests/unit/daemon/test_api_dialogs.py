"""The endpoints the tray's dialogs use, over the real API server with a FakeNode.

Settings (the preferences window), saved forwards (start/stop), the checks run before saving,
and a peer's offered services. The real node behind them is tested in
tests/integration/test_settings_live.py and tests/e2e/test_dialog_api.py.
"""

from __future__ import annotations

import json
from contextlib import aclosing

import pytest

from app.api.transport import ApiEndpoint
from tests.helpers.fakes import LAPTOP
from tests.helpers.nodes import free_port
from tests.unit.daemon.test_server import data, endpoint, error, running

__all__ = ["endpoint"]  # the fixture, imported for this module's tests

pytestmark = pytest.mark.trio


async def test_settings_are_read_and_changed(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        assert data(await http.get("/v1/settings")) == {
            "device_name": "fake",
            "network": None,
            "mdns": False,
            "port_mapping": False,
            "hole_punching": True,
        }
        changed = data(
            await http.post(
                "/v1/settings", json={"device_name": "study-pc", "network": "crew", "mdns": True}
            )
        )
        assert changed == {
            "device_name": "study-pc",
            "network": "crew",
            "mdns": True,
            "port_mapping": False,
            "hole_punching": True,
        }
        assert ("update_settings", "study-pc", "crew", False) in server.node.calls
        cleared = data(await http.post("/v1/settings", json={"clear_network": True}))
        assert isinstance(cleared, dict)
        assert cleared["network"] is None
        # An empty body changes nothing (every member is optional).
        assert data(await http.post("/v1/settings")) == cleared


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"device_name": "my box"}, 400, "invalid-name", "invalid peer name"),
        ({"network": "Crew"}, 400, "invalid-network", "invalid network name"),
        ({"network": "crew", "clear_network": True}, 400, "invalid-network", "network"),
        ({"mdns": "yes"}, 400, "bad-request", "$.mdns"),
        ({"hole_punching": True, "colour": "red"}, 400, "bad-request", "colour"),
        ({"device_name": "x" * 65}, 400, "bad-request", "$.device_name"),
    ],
)
async def test_bad_settings_are_refused_with_a_code(
    endpoint: ApiEndpoint, body: dict[str, object], status: int, code: str, words: str
) -> None:
    async with running(endpoint) as server, server.client() as http:
        err = error(await http.post("/v1/settings", json=body), status, code)
        assert words in str(err["message"])
        assert data(await http.get("/v1/settings")) == {
            "device_name": "fake",
            "network": None,
            "mdns": False,
            "port_mapping": False,
            "hole_punching": True,
        }


async def test_the_watch_snapshot_carries_the_settings_and_their_changes(
    endpoint: ApiEndpoint,
) -> None:
    async with (
        running(endpoint) as server,
        server.client() as http,
        server.client() as other,
        http.stream("GET", "/v1/watch") as response,
        aclosing(response.aiter_lines()) as lines,
    ):
        snapshot = json.loads(await anext(lines))
        assert snapshot["settings"]["device_name"] == "fake"
        data(await other.post("/v1/settings", json={"port_mapping": True}))
        event = json.loads(await anext(lines))
        assert event["kind"] == "settings-changed"
        assert event["settings"]["port_mapping"] is True
        assert event["seq"] == snapshot["seq"] + 1


async def test_saved_forwards_open_stop_and_start(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        body = {"peer": "home", "service": "ssh", "listen": "127.0.0.1:2222", "persist": True}
        saved = data(await http.post("/v1/forwards", json=body))
        assert isinstance(saved, dict)
        assert (saved["id"], saved["persistent"], saved["enabled"]) == (
            "cfg-127.0.0.1:2222",
            True,
            True,
        )
        assert ("open_forward", "home", "ssh", "127.0.0.1:2222", True) in server.node.calls
        path = "/v1/forwards/cfg-127.0.0.1%3A2222/enabled"
        stopped = data(await http.delete(path))
        assert isinstance(stopped, dict)
        assert (stopped["state"], stopped["enabled"]) == ("stopped", False)
        started = data(await http.post(path))
        assert isinstance(started, dict)
        assert (started["state"], started["enabled"]) == ("listening", True)
        error(await http.post(path, json={"extra": 1}), 400, "bad-request")

        plain = data(await http.post("/v1/forwards", json={"peer": "home", "service": "ssh"}))
        assert isinstance(plain, dict)
        assert plain["persistent"] is False
        error(await http.delete(f"/v1/forwards/{plain['id']}/enabled"), 409, "forward-not-saved")
        error(await http.post("/v1/forwards/fwd-99/enabled"), 404, "forward-not-found")


async def test_the_checks_before_saving(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        port = free_port()
        free = data(await http.post("/v1/forwards/check", json={"listen": f"127.0.0.1:{port}"}))
        assert free == {
            "listen": f"127.0.0.1:{port}",
            "free": True,
            "suggestion": None,
            "error": None,
            "error_code": None,
        }
        # The fake's own forward on that port counts as used.
        body = {"peer": "home", "service": "ssh", "listen": f"127.0.0.1:{port}"}
        data(await http.post("/v1/forwards", json=body))
        used = data(await http.post("/v1/forwards/check", json={"listen": f"127.0.0.1:{port}"}))
        assert isinstance(used, dict)
        assert (used["free"], used["error_code"]) == (False, "used-by-forward")
        assert used["suggestion"].startswith("127.0.0.1:")
        err = error(
            await http.post("/v1/forwards/check", json={"listen": "127.0.0.1:99999"}),
            400,
            "invalid-address",
        )
        assert "99999" in str(err["message"])
        error(await http.post("/v1/forwards/check", json={}), 400, "bad-request")

        refused = data(
            await http.post("/v1/services/check", json={"local_address": f"127.0.0.1:{port + 1}"})
        )
        assert isinstance(refused, dict)
        assert (refused["answers"], refused["error_code"], refused["connect_ms"]) == (
            False,
            "connection-refused",
            None,
        )
        error(
            await http.post("/v1/services/check", json={"local_address": "no port"}),
            400,
            "invalid-address",
        )
        # "check" is no service name here: DELETE services/check still reaches the service.
        error(await http.delete("/v1/services/check"), 404, "service-not-found")


async def test_a_peers_offered_services(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        assert data(await http.get("/v1/peers/home/services")) == ["ssh", "web"]
        assert data(await http.get(f"/v1/peers/{LAPTOP}/services")) == []
        error(await http.get("/v1/peers/down/services"), 502, "peer-unreachable")
        error(await http.get("/v1/peers/ghost/services"), 404, "unknown-peer")
