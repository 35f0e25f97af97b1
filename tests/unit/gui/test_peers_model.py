"""The peers table model follows states incrementally (inserts, updates, removals)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QModelIndex, Qt

from app.core.status import Grade, NatMapping, PathInfo, PathType, PeerInfo, Reachability
from app.gui.i18n import install_translations
from app.gui.models.peers import Column, PeersModel

A, B = "12D3KooWAAAAAAAAAAAAAAAA", "12D3KooWBBBBBBBBBBBBBBBB"


@pytest.fixture(autouse=True)
def _english(qapp: object) -> None:
    assert install_translations("en") == "en"


def _peer(peer_id: str, name: str, path: PathType | None = None, **kw: object) -> PeerInfo:
    info = None
    if path is not None:
        address = (
            "/ip4/127.0.0.1/tcp/1"
            if path is PathType.DIRECT
            else "/ip4/1.2.3.4/tcp/9/p2p/R/p2p-circuit"
        )
        info = PathInfo(peer_id, path, address, "tcp", "ipv4", 0.0, 12.3)
    return PeerInfo(peer_id, name, True, False, info is not None, path=info, **kw)  # type: ignore[arg-type]


def _texts(model: PeersModel, row: int) -> list[str]:
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def test_rows_are_inserted_updated_and_removed_incrementally() -> None:
    model = PeersModel(clock=lambda: 1_000_000.0)
    log: list[str] = []
    model.rowsInserted.connect(lambda _p, first, last: log.append(f"insert {first}-{last}"))
    model.rowsRemoved.connect(lambda _p, first, last: log.append(f"remove {first}-{last}"))
    model.dataChanged.connect(lambda tl, _br, _r: log.append(f"change {tl.row()}"))
    model.modelReset.connect(lambda: log.append("reset"))

    model.replace_rows([_peer(A, "home"), _peer(B, "nas")])
    assert log == ["insert 0-1"]
    assert _texts(model, 0)[: Column.PATH + 1] == ["home", "…AAAAAAAA", "[UNVERIFIED]", "offline"]

    log.clear()
    model.replace_rows([_peer(A, "home"), _peer(B, "nas", PathType.DIRECT)])  # nas connects
    assert log == ["change 1"]
    assert _texts(model, 1)[Column.PATH] == "Direct · tcp"
    assert _texts(model, 1)[Column.RTT] == "12 ms"

    log.clear()
    model.replace_rows([_peer(A, "home"), _peer(B, "nas", PathType.RELAYED)])
    assert _texts(model, 1)[Column.PATH] == "Relayed · tcp via 1.2.3.4"

    model.replace_rows([_peer(A, "home"), _peer(B, "nas")])  # nas goes away: last seen now
    assert _texts(model, 1)[Column.LAST_SEEN] != "never"
    assert _texts(model, 0)[Column.LAST_SEEN] == "never"

    log.clear()
    model.replace_rows([_peer(B, "nas")])  # home removed
    assert log == ["remove 0-0"]
    assert model.rowCount() == 1
    assert model.row_of(B) == 0
    assert model.row_of(A) is None


def test_an_expired_peer_says_so_in_its_path_column() -> None:
    model = PeersModel(clock=lambda: 1_000_000.0)
    model.replace_rows([_peer(A, "home", expired=True), _peer(B, "nas")])
    assert _texts(model, 0)[Column.PATH] == "expired: not authorized"
    assert _texts(model, 1)[Column.PATH] == "offline"


def test_verified_badge_colour_and_grade_tooltip() -> None:
    model = PeersModel()
    reach = Reachability(
        Grade.D, "symmetric-nat", "x", "y", NatMapping.ADDRESS_DEPENDENT, False, False, (), 0.0
    )
    model.replace_rows([_peer(A, "home", reachability=reach, expected_path=PathType.RELAYED)])
    badge = model.index(0, Column.VERIFIED)
    assert model.data(badge, Qt.ItemDataRole.ForegroundRole) is not None  # the warning colour
    grade = model.index(0, Column.GRADE)
    assert model.data(grade) == "D"
    tooltip = model.data(grade, Qt.ItemDataRole.ToolTipRole)
    assert "symmetric NAT" in tooltip
    assert tooltip.endswith("Both grades predict a relayed connection.")
    assert model.data(model.index(0, Column.PEER_ID), Qt.ItemDataRole.ToolTipRole) == A
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children
    assert model.headerData(Column.RTT, Qt.Orientation.Horizontal) == "RTT"
    assert model.data(QModelIndex()) is None
