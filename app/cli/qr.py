"""Terminal QR codes: a QR matrix drawn with half-block characters, two modules per text row."""

from __future__ import annotations

import qrcode

_BLOCKS = {
    (True, True): "█",
    (True, False): "▀",
    (False, True): "▄",
    (False, False): " ",
}


def qr_matrix(data: str, *, border: int = 2) -> list[list[bool]]:
    """Encode ``data`` as a QR code.

    Args:
        data: The text to encode (a peer ID, a link).
        border: Width of the quiet zone, in modules.

    Returns:
        Rows of modules, True for dark, including the quiet zone.
    """
    code = qrcode.QRCode(border=border, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def render_matrix(matrix: list[list[bool]], *, invert: bool = True) -> str:
    """Draw a module matrix with ``█▀▄`` and spaces, two module rows per text line.

    Args:
        matrix: Rows of modules, True for dark.
        invert: Draw light modules as blocks (the default, like ``qrencode -t UTF8``): on a
            terminal with light text on a dark background that gives dark modules on a light
            quiet zone, which every scanner reads.

    Returns:
        The picture, lines joined by newlines, without a trailing newline.
    """
    if not matrix:
        return ""
    width = len(matrix[0])
    rows = [list(row) for row in matrix]
    if len(rows) % 2:
        rows.append([False] * width)  # a light row: it belongs to the quiet zone
    lines = []
    for top, bottom in zip(rows[0::2], rows[1::2], strict=True):
        line = "".join(
            _BLOCKS[(t != invert, b != invert)] for t, b in zip(top, bottom, strict=True)
        )
        lines.append(line)
    return "\n".join(lines)


def render_qr(data: str, *, invert: bool = True, border: int = 2) -> str:
    """Return ``data`` as a QR code drawn for a terminal.

    Args:
        data: The text to encode.
        invert: See :func:`render_matrix`.
        border: Width of the quiet zone, in modules.

    Returns:
        The picture as text lines.
    """
    return render_matrix(qr_matrix(data, border=border), invert=invert)
