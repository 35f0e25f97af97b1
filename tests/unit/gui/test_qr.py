"""The QR code drawn with QPainter decodes back to the peer ID (zxing-cpp reads the pixels)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
from PySide6.QtGui import QImage

from app.gui.widgets.qr import QrWidget, qr_matrix

zxingcpp = pytest.importorskip("zxingcpp", reason="the dev extra is not installed")

PEER_ID = "12D3KooWLapt0pZ8mT9BqVdR3fKc4XyE6hNw2PsJ7uGa5bLx1Qn"


def test_the_drawn_code_decodes_to_the_text(qapp: object) -> None:
    widget = QrWidget(PEER_ID)
    widget.resize(264, 264)
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    rows = bytes(image.constBits())
    pixels = b"".join(rows[y * stride : y * stride + width] for y in range(height))
    view = memoryview(pixels).cast("B", (height, width))
    [found] = zxingcpp.read_barcodes(view)
    assert found.text == PEER_ID
    assert found.format == zxingcpp.BarcodeFormat.QRCode


def test_matrix_is_square_and_empty_text_draws_nothing(qapp: object) -> None:
    matrix = qr_matrix(PEER_ID)
    assert len(matrix) == len(matrix[0]) >= 21
    widget = QrWidget()
    assert widget.text() == ""
    assert not widget.grab().isNull()


@pytest.mark.parametrize("ratio", [1.0, 1.5, 2.0])
def test_an_invite_link_is_crisp_at_any_scale(qapp: object, ratio: float) -> None:
    """Every module is the same whole number of device pixels (no blurred or uneven edges), and
    the ~250-character link of an invite decodes at the invite wizard's size."""
    link = "peerup://join/" + "-".join(["AMAX", "E7OV", "QPSD", "K3LM"] * 14)
    widget = QrWidget(link)
    widget.resize(288, 288)
    side = round(288 * ratio)
    image = QImage(side, side, QImage.Format.Format_Grayscale8)
    image.setDevicePixelRatio(ratio)
    widget.render(image)
    stride = image.bytesPerLine()
    rows = bytes(image.constBits())
    pixels = [rows[y * stride : y * stride + side] for y in range(side)]
    assert set(b"".join(pixels)) <= {0, 255}  # black and white only: nothing blended
    count = len(qr_matrix(link)) + 4
    module = side // count
    for row in pixels[::7]:
        runs = [len(run) for run in row.split(b"\xff") if run]
        assert all(run % module == 0 for run in runs), (module, runs)
    view = memoryview(b"".join(pixels)).cast("B", (side, side))
    [found] = zxingcpp.read_barcodes(view)
    assert found.text == link
