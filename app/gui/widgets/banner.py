"""A line at the top of a dialog that says what went wrong (or what is happening) in plain words.

Every dialog shows its errors here, translated by the API error's code
(:func:`app.gui.texts.error_text`), never as a traceback and never only in a log.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from app.api.errors import ApiError
from app.gui.texts import error_text

translate = QCoreApplication.translate

_STYLES = {
    "error": "background:#fdecea; color:#611a15; border:1px solid #f5c6cb;",
    "warning": "background:#fff4e5; color:#663c00; border:1px solid #ffd699;",
    "info": "background:#e8f4fd; color:#0d3c61; border:1px solid #b6dcf7;",
}


class MessageBanner(QLabel):
    """A word-wrapped, selectable message; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create the banner (hidden)."""
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(self.textInteractionFlags().TextSelectableByMouse)
        self.setAccessibleName(translate("MessageBanner", "Message"))
        self.kind = ""
        self.code = ""
        self.hide()

    def show_error(self, code: str, message: str, hint: str | None = None) -> None:
        """Show an error by its code in the user's language, with the API's details below."""
        headline = error_text(code, message)
        details = [t for t in (message if headline != message else "", hint or "") if t]
        self._show("error", "\n".join([headline, *details]), code)

    def show_api_error(self, exc: ApiError) -> None:
        """:meth:`show_error` for an :class:`~app.api.errors.ApiError`."""
        self.show_error(exc.code, exc.message, exc.hint)

    def show_warning(self, text: str) -> None:
        """Show a warning (something the user should know before going on)."""
        self._show("warning", text)

    def show_info(self, text: str) -> None:
        """Show a neutral message (progress, a result)."""
        self._show("info", text)

    def clear_message(self) -> None:
        """Hide the banner."""
        self.kind = self.code = ""
        self.setText("")
        self.hide()

    def _show(self, kind: str, text: str, code: str = "") -> None:
        self.kind, self.code = kind, code
        self.setStyleSheet(f"QLabel {{ {_STYLES[kind]} border-radius:4px; padding:6px; }}")
        self.setText(text)
        self.show()
