"""The forwards and services table models follow states incrementally, and say what a person
needs: counters, rates, the peer's path and verified badge, errors in plain words; and "Copy
command" gives what to type for each kind of service."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from app.core.status import ForwardInfo, ForwardState, PathInfo, PathType, PeerInfo, ServiceInfo
from app.gui.i18n import install_translations
from app.gui.models.forwards import Column, ForwardsModel, rate_text
from app.gui.models.services import Column as ServiceColumn
from app.gui.models.services import ServicesModel

HOME, NAS = "12D3KooWHomeHomeHomeHome", "12D3KooWNasNasNasNasNas1"


@pytest.fixture(autouse=True)
def _english(qapp: object) -> None:
    assert install_translations("en") == "en"


def _forward(
    fid: str = "f1", service: str = "web", listen: str = "127.0.0.1:8080", **kw: object
) -> ForwardInfo:
    fields: dict[str, object] = {
        "id": fid,
        "peer_id": HOME,
        "peer_name": "home",
        "service": service,
        "listen_address": listen,
        "state": ForwardState.LISTENING,
        "enabled": True,
    }
    fields.update(kw)
    return ForwardInfo(**fields)  # type: ignore[arg-type]


def _peer(peer_id: str, name: str, path: PathType | None, verified: bool = False) -> PeerInfo:
    info = None
    if path is not None:
        info = PathInfo(peer_id, path, "/ip4/127.0.0.1/tcp/1", "tcp", "ipv4", 0.0, 3.0)
    return PeerInfo(peer_id, name, True, verified, info is not None, path=info)


def _row(model: ForwardsModel, row: int) -> dict[Column, str]:
    return {c: model.data(model.index(row, c)) for c in Column}


def test_forward_rows_follow_the_state_incrementally() -> None:
    model = ForwardsModel()
    log: list[str] = []
    model.rowsInserted.connect(lambda _p, first, last: log.append(f"insert {first}-{last}"))
    model.rowsRemoved.connect(lambda _p, first, last: log.append(f"remove {first}-{last}"))
    model.dataChanged.connect(lambda tl, _br, _r: log.append(f"change {tl.row()}"))
    model.modelReset.connect(lambda: log.append("reset"))

    ssh = _forward("f2", "ssh", "127.0.0.1:2222", peer_id=NAS, peer_name="nas")
    model.set_state([_forward(), ssh], [_peer(HOME, "home", None)])
    assert log == ["insert 0-1"]
    row = _row(model, 0)
    assert row[Column.LOCAL] == "127.0.0.1:8080"
    assert row[Column.TARGET] == "home / web"
    assert row[Column.PATH] == "offline"
    assert row[Column.VERIFIED] == "[UNVERIFIED]"
    assert row[Column.STATE] == "listening"
    assert row[Column.CONNECTIONS] == "0 / 0"
    assert row[Column.RATE] == "–"
    assert row[Column.BYTES] == "↑ 0 bytes  ↓ 0 bytes"
    assert row[Column.ERROR] == ""
    assert model.data(model.index(0, Column.VERIFIED), Qt.ItemDataRole.ForegroundRole) is not None

    # Bytes move: counters and rates change in place; the peer's path comes from its PeerInfo.
    log.clear()
    busy = _forward(
        connections_active=1,
        connections_total=3,
        bytes_up=1536,
        bytes_down=5 * 1024 * 1024,
        rate_down=2.5 * 1024 * 1024,
        verified=True,
    )
    model.set_state([busy, ssh], [_peer(HOME, "home", PathType.RELAYED, True)])
    assert log == ["change 0"]
    row = _row(model, 0)
    assert row[Column.PATH] == "Relayed"
    assert row[Column.VERIFIED] == "✔ verified"
    assert row[Column.CONNECTIONS] == "1 / 3"
    assert row[Column.RATE] == "↓ 2.5 MiB/s"
    assert row[Column.BYTES] == "↑ 1.5 KiB  ↓ 5.0 MiB"
    assert model.data(model.index(0, Column.PATH), Qt.ItemDataRole.ToolTipRole) == (
        "/ip4/127.0.0.1/tcp/1"
    )

    # Stopped (kept listed), failed with an error in plain words, then removed.
    log.clear()
    stopped = replace(busy, enabled=False, rate_down=0.0)
    failed = replace(
        ssh,
        state=ForwardState.FAILED,
        errors=2,
        last_error="peer 12D3… is unreachable: no address",
        last_error_code="peer-unreachable",
    )
    model.set_state([stopped, failed], [_peer(HOME, "home", PathType.DIRECT, True)])
    assert log == ["change 0", "change 1"]
    assert _row(model, 0)[Column.STATE] == "stopped"
    assert _row(model, 0)[Column.PATH] == "Direct"
    assert _row(model, 1)[Column.STATE] == "failed"
    assert _row(model, 1)[Column.ERROR] == "The peer cannot be reached right now."
    tip = model.data(model.index(1, Column.ERROR), Qt.ItemDataRole.ToolTipRole)
    assert tip == "2 errors; the last one: peer 12D3… is unreachable: no address"

    log.clear()
    model.set_state([failed], [])
    assert log == ["remove 0-0"]
    assert model.forward(0).id == "f2"
    assert model.row_of("f2") == 0
    assert model.row_of("f1") is None


def test_rates_show_each_direction_that_moves() -> None:
    assert rate_text(_forward(rate_up=0.4, rate_down=0.2)) == "–"
    assert rate_text(_forward(rate_up=1536.0, rate_down=700.0)) == "↑ 1.5 KiB/s  ↓ 700 bytes/s"


def test_german_rows(qapp: object) -> None:
    try:
        assert install_translations("de") == "de"
        model = ForwardsModel()
        model.set_state([_forward(bytes_up=1536, enabled=False)], [])
        row = _row(model, 0)
        assert row[Column.STATE] == "angehalten"
        assert row[Column.VERIFIED] == "[UNVERIFIZIERT]"
        assert row[Column.BYTES] == "↑ 1,5 KiB  ↓ 0 Bytes"
        assert row[Column.PATH] == "offline"
    finally:
        install_translations("en")


def test_service_rows_and_the_enabled_box() -> None:
    model = ServicesModel()
    asked: list[tuple[str, bool]] = []
    model.enable_requested.connect(lambda name, on: asked.append((name, on)))
    web = ServiceInfo("web", "/peerup/web/1.0.0", "localhost:8080", True, streams_total=4)
    ssh = ServiceInfo(
        "ssh", "/peerup/ssh/1.0.0", "localhost:22", False, (HOME, NAS), verified_only=True
    )
    model.set_state([web, ssh], [_peer(HOME, "home", None)])
    texts = [[model.data(model.index(r, c)) for c in ServiceColumn] for r in range(2)]
    assert texts[0] == ["web", "localhost:8080", "all authorized peers", "no", "enabled", "0 / 4"]
    assert texts[1] == ["ssh", "localhost:22", "home, …sNasNas1", "yes", "disabled", "0 / 0"]
    enabled = model.index(1, ServiceColumn.ENABLED)
    assert model.flags(enabled) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.data(enabled, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked

    # A tick asks for the change; the box shows it only once the state says so.
    assert not model.setData(enabled, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert asked == [("ssh", True)]
    assert model.data(enabled, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    model.set_state([web, replace(ssh, enabled=True)], [])
    assert model.data(enabled, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked

    model.set_state([replace(ssh, enabled=True)], [])
    assert model.rowCount() == 1
    assert model.service(0).name == "ssh"
    assert model.row_of("web") is None
