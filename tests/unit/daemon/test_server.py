"""The local API server over a real Unix socket, driven by raw httpx (under trio via anyio)."""

from __future__ import annotations

import json
import os
import socket
import stat
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trio

from app.api.errors import ApiSocketError, DaemonAlreadyRunningError
from app.api.transport import ApiEndpoint
from app.core.status import PeerDisconnected
from app.daemon.server import serve_api
from tests.helpers.fakes import DOWN, HOME, LAPTOP, ME, RELAY, STRANGER, FakeNode


@dataclass
class Server:
    endpoint: ApiEndpoint
    node: FakeNode
    token: str
    shutdown: trio.Event
    scope: trio.CancelScope

    def stop(self) -> None:
        self.scope.cancel()

    def client(self, *, token: str | None = None, **kwargs: object) -> httpx.AsyncClient:
        headers = {} if token == "" else {"Authorization": f"Bearer {token or self.token}"}
        return httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(self.endpoint.socket_path)),
            base_url="http://peerup",
            headers=headers,
            timeout=10,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture
def endpoint() -> Iterator[ApiEndpoint]:
    # A short directory: Unix socket paths are limited to ~108 bytes.
    with tempfile.TemporaryDirectory(prefix="pu-", dir="/tmp") as tmp:
        os.chmod(tmp, 0o700)
        yield ApiEndpoint(socket_path=Path(tmp) / "api.sock", cookie_path=Path(tmp) / "api.cookie")


@asynccontextmanager
async def running(endpoint: ApiEndpoint, node: FakeNode | None = None) -> AsyncIterator[Server]:
    node = node or FakeNode()
    shutdown = trio.Event()
    scope = trio.CancelScope()

    async def serve(task_status=trio.TASK_STATUS_IGNORED) -> None:
        with scope:
            await serve_api(node, endpoint, on_shutdown=shutdown.set, task_status=task_status)

    async with trio.open_nursery() as nursery:
        await nursery.start(serve)
        token = endpoint.cookie_path.read_text()
        yield Server(endpoint, node, token, shutdown, scope)
        scope.cancel()


def data(response: httpx.Response) -> object:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()["data"]


def error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    err: dict[str, object] = body["error"]
    assert err["code"] == code
    assert set(err) == {"code", "message", "hint"}
    assert "Traceback" not in str(err["message"])
    return err


# ---- socket, cookie, lifecycle -------------------------------------------------------------------


@pytest.mark.trio
async def test_socket_and_cookie_are_private_and_cookie_rotates(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server:
        assert stat.S_ISSOCK(endpoint.socket_path.stat().st_mode)
        assert stat.S_IMODE(endpoint.socket_path.stat().st_mode) == 0o600
        assert stat.S_IMODE(endpoint.cookie_path.stat().st_mode) == 0o600
        first = server.token
        assert len(first) == 64
        assert set(first) <= set("0123456789abcdef")
    assert not endpoint.socket_path.exists()
    assert not endpoint.cookie_path.exists()
    async with running(endpoint) as server:
        assert server.token != first
        async with server.client() as http:
            data(await http.get("/v1/status"))


@pytest.mark.trio
async def test_second_server_refuses_while_first_runs(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server:
        with pytest.raises(DaemonAlreadyRunningError) as info:
            await serve_api(FakeNode(), endpoint, on_shutdown=lambda: None)
        assert info.value.code == "daemon-already-running"
        assert str(endpoint.socket_path) in info.value.message
        # The first one still serves, with its cookie untouched.
        assert endpoint.cookie_path.read_text() == server.token
        async with server.client() as http:
            data(await http.get("/v1/status"))


@pytest.mark.trio
async def test_stale_socket_is_replaced(endpoint: ApiEndpoint) -> None:
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(endpoint.socket_path))
    stale.close()  # the file stays, nobody listens: a crashed daemon's socket
    endpoint.cookie_path.write_text("0" * 64)
    assert endpoint.socket_path.exists()
    async with running(endpoint) as server:
        assert server.token != "0" * 64
        async with server.client() as http:
            data(await http.get("/v1/status"))


@pytest.mark.trio
async def test_regular_file_at_socket_path_is_refused(endpoint: ApiEndpoint) -> None:
    endpoint.socket_path.write_text("not a socket")
    with pytest.raises(ApiSocketError):
        await serve_api(FakeNode(), endpoint, on_shutdown=lambda: None)
    assert endpoint.socket_path.read_text() == "not a socket"


# ---- auth and request hygiene --------------------------------------------------------------------


@pytest.mark.trio
@pytest.mark.parametrize("token", ["", "0" * 64, "short"])
async def test_missing_or_wrong_token_is_401(endpoint: ApiEndpoint, token: str) -> None:
    async with running(endpoint) as server, server.client(token=token) as http:
        error(await http.get("/v1/status"), 401, "unauthorized")
        error(await http.get("/v1/no-such-thing"), 401, "unauthorized")
    assert server.node.calls == []


@pytest.mark.trio
async def test_unknown_endpoint_and_method(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        error(await http.get("/v1/nope"), 404, "no-such-endpoint")
        error(await http.get("/v2/status"), 404, "no-such-endpoint")
        error(await http.get("/"), 404, "no-such-endpoint")
        error(await http.get("/v1/services/"), 404, "no-such-endpoint")
        response = await http.delete("/v1/status")
        error(response, 405, "method-not-allowed")
        assert response.headers["allow"] == "GET"


@pytest.mark.trio
async def test_oversized_bodies_are_413(endpoint: ApiEndpoint) -> None:
    big = b'{"name": "' + b"x" * (70 * 1024) + b'"}'

    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(70):
            yield b"x" * 1024

    async with running(endpoint) as server:
        async with server.client() as http:
            error(await http.post("/v1/resolve", content=big), 413, "request-too-large")
        async with server.client() as http:
            # No Content-Length: chunked; the server counts what arrives.
            response = await http.post("/v1/resolve", content=chunked())
            error(response, 413, "request-too-large")
        async with server.client() as http:
            data(await http.get("/v1/status"))
    assert ("resolve",) not in [c[:1] for c in server.node.calls]


@pytest.mark.trio
async def test_bad_json_and_wrong_types_are_400_with_the_field(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        err = error(await http.post("/v1/resolve", content=b"{not json"), 400, "bad-request")
        assert "JSON" in str(err["message"])
        err = error(
            await http.post("/v1/ping", json={"peer": "home", "count": "4"}), 400, "bad-request"
        )
        assert "Expected `int`, got `str` - at `$.count`" in str(err["message"])
        err = error(
            await http.post("/v1/ping", json={"peer": "home", "count": 0}), 400, "bad-request"
        )
        assert "$.count" in str(err["message"])
        err = error(
            await http.post("/v1/ping", json={"peer": "home", "interval_ms": 5}), 400, "bad-request"
        )
        assert "$.interval_ms" in str(err["message"])
        err = error(await http.post("/v1/resolve", json={}), 400, "bad-request")
        assert "`name`" in str(err["message"])
        err = error(
            await http.post("/v1/resolve", json={"name": "x", "extra": 1}), 400, "bad-request"
        )
        assert "extra" in str(err["message"])
        err = error(await http.post("/v1/resolve", json=["home"]), 400, "bad-request")
        err = error(await http.get("/v1/peers?all=maybe"), 400, "bad-request")
        assert "`all`" in str(err["message"])
        error(
            await http.post(
                "/v1/resolve", content=b'{"name":"home"}', headers={"content-type": "text/plain"}
            ),
            415,
            "unsupported-media-type",
        )


@pytest.mark.trio
async def test_garbage_on_the_socket_does_not_hurt_the_server(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server:
        for garbage in (
            b"\x00\xff garbage\r\n\r\n",
            b"GET /v1/status HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 40000 + b"\r\n\r\n",
            b"GET /v1/status HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        ):
            sock = trio.socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            with sock:
                await sock.connect(str(endpoint.socket_path))
                with suppress(BrokenPipeError, ConnectionResetError):
                    await sock.send(garbage)
                reply = b""
                with trio.fail_after(5):
                    while True:
                        try:
                            chunk = await sock.recv(65536)
                        except ConnectionResetError:
                            break
                        reply += chunk
                        if not chunk or b"\r\n\r\n" in reply:
                            break
                assert reply == b"" or reply.startswith(b"HTTP/1.1 4"), reply
        async with server.client() as http:
            data(await http.get("/v1/status"))


@pytest.mark.trio
async def test_unexpected_exception_is_500_without_details(endpoint: ApiEndpoint) -> None:
    class BrokenNode(FakeNode):
        def paths(self) -> list:  # type: ignore[type-arg]
            raise RuntimeError("secret internal detail")

    async with running(endpoint, BrokenNode()) as server, server.client() as http:
        err = error(await http.get("/v1/paths"), 500, "internal-error")
        assert "secret" not in json.dumps(err)
        data(await http.get("/v1/status"))


# ---- endpoints -----------------------------------------------------------------------------------


@pytest.mark.trio
async def test_every_plain_endpoint(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        status = data(await http.get("/v1/status"))
        assert isinstance(status, dict)
        assert status["peer_id"] == ME

        peers = data(await http.get("/v1/peers"))
        assert isinstance(peers, list)
        assert STRANGER not in [p["peer_id"] for p in peers]
        peers = data(await http.get("/v1/peers", params={"all": "true"}))
        assert isinstance(peers, list)
        assert STRANGER in [p["peer_id"] for p in peers]

        paths = data(await http.get("/v1/paths"))
        assert paths == [
            {
                "peer_id": HOME,
                "path_type": "DIRECT",
                "address": "/ip4/192.0.2.7/tcp/4001",
                "transport": "tcp",
                "ip_version": "ipv4",
                "connected_at": server.node._started,
                "rtt_ms": 1.5,
                "verified": False,
                "lan_dial": None,
            }
        ]

        assert data(await http.get("/v1/services")) == []
        service = data(
            await http.post(
                "/v1/services",
                json={"name": "ssh", "local_address": "localhost:22", "allowed_peers": ["home"]},
            )
        )
        assert isinstance(service, dict)
        assert service["allowed_peers"] == [HOME]
        error(
            await http.post("/v1/services", json={"name": "ssh", "local_address": "localhost:22"}),
            409,
            "already-exists",
        )
        err = error(
            await http.post("/v1/services", json={"name": "web", "local_address": "nope"}),
            400,
            "invalid-address",
        )
        assert err["hint"] == "For example localhost:22."
        assert data(await http.delete("/v1/services/ssh", params={"persist": "true"})) is None
        assert ("unexpose_service", "ssh", True) in server.node.calls
        error(await http.delete("/v1/services/ssh"), 404, "service-not-found")

        forward = data(await http.post("/v1/forwards", json={"peer": "home", "service": "ssh"}))
        assert isinstance(forward, dict)
        assert forward["listen_address"].startswith("127.0.0.1:")
        assert forward["state"] == "listening"
        assert len(data(await http.get("/v1/forwards"))) == 1  # type: ignore[arg-type]
        error(
            await http.post("/v1/forwards", json={"peer": "down", "service": "ssh"}),
            502,
            "peer-unreachable",
        )
        error(
            await http.post("/v1/forwards", json={"peer": "nobody", "service": "ssh"}),
            404,
            "unknown-peer",
        )
        assert data(await http.delete(f"/v1/forwards/{forward['id']}")) is None
        error(await http.delete(f"/v1/forwards/{forward['id']}"), 404, "forward-not-found")

        entries = data(await http.get("/v1/auth"))
        assert isinstance(entries, list)
        assert len(entries) == 3
        entry = data(await http.post("/v1/auth", json={"peer_id": STRANGER, "comment": "hi"}))
        assert entry == {
            "peer_id": STRANGER,
            "comment": "hi",
            "verified": False,
            "attributes": [],
            "name": None,
            "verified_value": None,
            "warning": None,
            "warning_code": None,
            "expires_at": None,
            "expired": False,
        }
        error(await http.post("/v1/auth", json={"peer_id": STRANGER}), 409, "already-exists")
        assert data(await http.delete(f"/v1/auth/{STRANGER}")) is None
        error(await http.delete(f"/v1/auth/{STRANGER}"), 404, "not-found")

        assert data(await http.post("/v1/resolve", json={"name": "home"})) == {
            "name": "home",
            "peer_id": HOME,
            "source": "names",
        }
        error(await http.post("/v1/resolve", json={"name": "ghost"}), 404, "unknown-peer")

        path = data(
            await http.post("/v1/connect", json={"peer": "home", "addresses": ["/ip4/1.2.3.4"]})
        )
        assert isinstance(path, dict)
        assert path["peer_id"] == HOME
        assert ("connect", "home", ("/ip4/1.2.3.4",)) in server.node.calls
        error(await http.post("/v1/connect", json={"peer": "down"}), 502, "peer-unreachable")
        assert data(await http.post("/v1/disconnect", json={"peer": "home"})) is None

        assert not server.shutdown.is_set()
        assert data(await http.post("/v1/shutdown")) == {"status": "shutting down"}
        with trio.fail_after(5):
            await server.shutdown.wait()


@pytest.mark.trio
async def test_status_and_peers_carry_reachability_and_relays(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        status = data(await http.get("/v1/status"))
        assert isinstance(status, dict)
        assert status["reachability"]["grade"] == "D"
        assert status["reachability"]["nat_mapping"] == "address-dependent"
        assert status["relays"][0]["peer_id"] == RELAY
        assert status["relays"][0]["reserved"] is True
        assert status["relays"][1]["expires_at"] is None
        assert status["relays"][1]["error"] == "connection refused"
        assert status["circuit_addresses"][0].endswith(f"/p2p-circuit/p2p/{ME}")
        assert status["relay_service"] is False
        peers = data(await http.get("/v1/peers"))
        assert isinstance(peers, list)
        by_id = {p["peer_id"]: p for p in peers}
        assert by_id[HOME]["reachability"]["grade"] == "B"
        assert by_id[HOME]["expected_path"] is None
        assert by_id[DOWN]["reachability"] is None
        assert by_id[DOWN]["expected_path"] == "RELAYED"


@pytest.mark.trio
async def test_reachability_probe(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        grade = data(await http.post("/v1/reachability/probe"))
        assert isinstance(grade, dict)
        assert grade["grade"] == "C"
        assert grade["reason_code"] == "tcp-only"
        assert set(grade) == {
            "grade",
            "reason_code",
            "reason",
            "hint",
            "nat_mapping",
            "udp_blocked",
            "cgnat",
            "public_addresses",
            "probed_at",
            "lan_addresses",
        }
        assert ("probe_reachability",) in server.node.calls
        status = data(await http.get("/v1/status"))
        assert isinstance(status, dict)
        assert status["reachability"] == grade
        data(await http.post("/v1/reachability/probe", json={}))
        error(await http.post("/v1/reachability/probe", json={"x": 1}), 400, "bad-request")
        error(await http.get("/v1/reachability/probe"), 405, "method-not-allowed")
        error(await http.get("/v1/reachability"), 404, "no-such-endpoint")


@pytest.mark.trio
async def test_traceroute(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        direct = data(await http.post("/v1/traceroute", json={"peer": "home"}))
        assert isinstance(direct, dict)
        assert direct["path"] == "DIRECT"
        assert direct["peer_id"] == HOME
        assert [h["hop"] for h in direct["hops"]] == [1]
        relayed = data(await http.post("/v1/traceroute", json={"peer": LAPTOP}))
        assert isinstance(relayed, dict)
        assert relayed["path"] == "RELAYED"
        assert [h["peer_id"] for h in relayed["hops"]] == [RELAY, LAPTOP]
        assert relayed["hops"][0]["name"] == "relay-server/0.1.0"
        assert relayed["hops"][1]["error"] is None
        assert ("traceroute", "home") in server.node.calls
        error(await http.post("/v1/traceroute", json={"peer": DOWN}), 502, "peer-unreachable")
        error(await http.post("/v1/traceroute", json={"peer": "ghost"}), 404, "unknown-peer")
        err = error(await http.post("/v1/traceroute", json={}), 400, "bad-request")
        assert "`peer`" in str(err["message"])


@pytest.mark.trio
async def test_verify_endpoints(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        assert data(await http.get("/v1/verify")) == []
        error(await http.post("/v1/verify", json={"peer": "home"}), 400, "verify-unsupported")
        error(await http.post("/v1/verify", json={"peer": "ghost"}), 404, "unknown-peer")
        err = error(await http.post("/v1/verify/v9/answer", json={}), 400, "bad-request")
        assert "`match`" in str(err["message"])
        error(
            await http.post("/v1/verify/v9/answer", json={"match": True}),
            400,
            "verification-failed",
        )
        error(await http.delete("/v1/verify/v9"), 400, "verification-failed")
        marked = data(await http.post(f"/v1/auth/{HOME}/verified", json={}))
        assert isinstance(marked, dict)
        assert marked["verified"] is True
        unmarked = data(await http.delete("/v1/auth/home/verified"))
        assert isinstance(unmarked, dict)
        assert unmarked["verified"] is False
        assert ("set_verified", "home", False) in server.node.calls


@pytest.mark.trio
async def test_peer_ids_with_percent_encoding_reach_the_handler(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        error(await http.delete("/v1/auth/some%2Fthing"), 404, "unknown-peer")
        assert ("deauthorize", "some/thing") in server.node.calls


@pytest.mark.trio
async def test_ping_streams_one_line_per_ping_then_stats(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http:
        request = http.build_request(
            "POST", "/v1/ping", json={"peer": "home", "count": 3, "interval_ms": 50}
        )
        response = await http.send(request, stream=True)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = []
        times = []
        async for line in response.aiter_lines():
            if line:
                lines.append(json.loads(line))
                times.append(trio.current_time())
        await response.aclose()
        assert [line["result"]["seq"] for line in lines[:3]] == [1, 2, 3]
        assert times[2] - times[0] >= 0.09  # lines arrive as pings happen, not at the end
        assert lines[3] == {
            "stats": {
                "sent": 3,
                "received": 3,
                "lost": 0,
                "loss_pct": 0.0,
                "min_ms": 1.0,
                "avg_ms": 2.0,
                "max_ms": 3.0,
            }
        }
        # Failed pings are results too; an unknown peer is a plain 404 before any line.
        response = await http.post("/v1/ping", json={"peer": DOWN, "count": 2, "interval_ms": 10})
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert lines[0]["result"]["error"] == "timeout"
        assert lines[2]["stats"]["loss_pct"] == 100.0
        error(await http.post("/v1/ping", json={"peer": "ghost"}), 404, "unknown-peer")


@pytest.mark.trio
async def test_events_stream_and_client_disconnect_leaves_nothing(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http, server.client() as other:
        async with http.stream("GET", "/v1/events") as response:
            assert response.status_code == 200
            async with aclosing(response.aiter_lines()) as lines:
                assert json.loads(await anext(lines)) == {"kind": "hello", "peer_id": ME}
                assert server.node.subscriber_count == 1
                data(await other.post("/v1/auth", json={"peer_id": STRANGER}))
                assert json.loads(await anext(lines)) == {
                    "kind": "authorized-keys-changed",
                    "authorized_peers": 4,
                }
                server.node.emit(PeerDisconnected(peer_id=HOME))
                assert json.loads(await anext(lines)) == {
                    "kind": "peer-disconnected",
                    "peer_id": HOME,
                }
        # The client went away: the server notices and drops the subscription.
        with trio.fail_after(5):
            while server.node.subscriber_count:  # noqa: ASYNC110 - polling the fake's counter
                await trio.sleep(0.01)
        data(await other.get("/v1/status"))


@pytest.mark.trio
async def test_events_stream_ends_when_the_node_stops(endpoint: ApiEndpoint) -> None:
    async with (
        running(endpoint) as server,
        server.client() as http,
        http.stream("GET", "/v1/events") as response,
        aclosing(response.aiter_lines()) as lines,
    ):
        assert json.loads(await anext(lines))["kind"] == "hello"
        server.node.stop()
        with trio.fail_after(5):
            rest = [line async for line in lines if line]
        assert rest == []


@pytest.mark.trio
async def test_stopping_the_server_ends_open_streams(endpoint: ApiEndpoint) -> None:
    node = FakeNode()
    with trio.fail_after(10):
        async with running(endpoint, node) as server, server.client() as http:
            async with (
                http.stream("GET", "/v1/events") as response,
                aclosing(response.aiter_lines()) as lines,
            ):
                assert json.loads(await anext(lines))["kind"] == "hello"
                server.stop()
                with pytest.raises(httpx.RemoteProtocolError):
                    async for _ in lines:
                        pass
            while endpoint.socket_path.exists():  # noqa: ASYNC110 - polling the file system
                await trio.sleep(0.01)
    assert node.subscriber_count == 0
    assert not endpoint.cookie_path.exists()


# ---- the watch stream ----------------------------------------------------------------------------


async def wait_unsubscribed(node: FakeNode) -> None:
    with trio.fail_after(5):
        while node.subscriber_count:  # noqa: ASYNC110 - polling the fake's counter
            await trio.sleep(0.01)


@pytest.mark.trio
async def test_watch_sends_a_snapshot_then_numbered_events(endpoint: ApiEndpoint) -> None:
    async with running(endpoint) as server, server.client() as http, server.client() as other:
        server.node.emit(PeerDisconnected(peer_id=DOWN))  # event 1, before anyone watches
        async with http.stream("GET", "/v1/watch") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/x-ndjson"
            async with aclosing(response.aiter_lines()) as lines:
                snapshot = json.loads(await anext(lines))
                assert list(snapshot) == [
                    "kind",
                    "seq",
                    "status",
                    "settings",
                    "peers",
                    "paths",
                    "services",
                    "forwards",
                    "verify_sessions",
                    "invites",
                ]
                assert (snapshot["kind"], snapshot["seq"]) == ("snapshot", 1)
                assert snapshot["status"]["peer_id"] == ME
                assert snapshot["status"]["relays"][1]["error_code"] == "relay-unreachable"
                assert [p["peer_id"] for p in snapshot["peers"]] == [HOME, LAPTOP, DOWN]
                assert snapshot["peers"][0]["reachability"]["grade"] == "B"
                assert snapshot["paths"][0]["rtt_ms"] == 1.5
                assert snapshot["services"] == snapshot["forwards"] == []

                web = {"name": "web", "local_address": "localhost:80"}
                data(await other.post("/v1/services", json=web))
                line = json.loads(await anext(lines))
                assert (line["seq"], line["kind"]) == (2, "services-changed")
                assert [s["name"] for s in line["services"]] == ["web"]

                # authorized_keys changed: the event, then a fresh snapshot with the new peer.
                data(await other.post("/v1/auth", json={"peer_id": STRANGER}))
                assert json.loads(await anext(lines)) == {
                    "seq": 3,
                    "authorized_peers": 4,
                    "kind": "authorized-keys-changed",
                }
                refreshed = json.loads(await anext(lines))
                assert (refreshed["kind"], refreshed["seq"]) == ("snapshot", 3)
                assert STRANGER in [p["peer_id"] for p in refreshed["peers"]]
                assert [s["name"] for s in refreshed["services"]] == ["web"]

                server.node.emit(PeerDisconnected(peer_id=HOME))
                assert json.loads(await anext(lines)) == {
                    "seq": 4,
                    "peer_id": HOME,
                    "kind": "peer-disconnected",
                }
        await wait_unsubscribed(server.node)


@pytest.mark.trio
async def test_watch_resyncs_a_watcher_that_fell_behind(endpoint: ApiEndpoint) -> None:
    node = FakeNode(bus_buffer=4)
    async with (
        running(endpoint, node) as server,
        server.client() as http,
        http.stream("GET", "/v1/watch") as response,
        aclosing(response.aiter_lines()) as lines,
    ):
        assert json.loads(await anext(lines))["seq"] == 0
        # Ten changes at once: more than the 4 events the watcher may have pending.
        for n in range(10):
            node.expose_service(f"s{n}", "localhost:1")
        events = []
        with trio.fail_after(5):
            while (line := json.loads(await anext(lines))).get("kind") != "resync":
                events.append(line)
        # Only an event it took before the overflow comes; the buffered ones are dropped.
        assert len(events) <= 1
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        # No silent end: a fresh snapshot with everything, then live events again.
        snapshot = json.loads(await anext(lines))
        assert (snapshot["kind"], snapshot["seq"]) == ("snapshot", 10)
        assert [s["name"] for s in snapshot["services"]] == [f"s{n}" for n in range(10)]
        assert server.node.subscriber_count == 1
        node.unexpose_service("s0")
        line = json.loads(await anext(lines))
        assert (line["seq"], line["kind"], len(line["services"])) == (11, "services-changed", 9)


@pytest.mark.trio
async def test_events_stream_marks_lost_events_and_goes_on(endpoint: ApiEndpoint) -> None:
    node = FakeNode(bus_buffer=2)
    async with (
        running(endpoint, node) as server,
        server.client() as http,
        http.stream("GET", "/v1/events") as response,
        aclosing(response.aiter_lines()) as lines,
    ):
        assert json.loads(await anext(lines))["kind"] == "hello"
        for n in range(6):
            node.emit(PeerDisconnected(peer_id=f"peer-{n}"))
        with trio.fail_after(5):
            kinds = []
            while (line := json.loads(await anext(lines)))["kind"] != "resync":
                kinds.append(line["kind"])
        assert len(kinds) <= 1
        node.emit(PeerDisconnected(peer_id=HOME))
        assert json.loads(await anext(lines)) == {"peer_id": HOME, "kind": "peer-disconnected"}
        assert server.node.subscriber_count == 1
