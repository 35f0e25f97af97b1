"""Loading the GUI's translations (Qt ``.qm`` files compiled from ``i18n/*.ts``).

Every visible string goes through ``tr()`` / ``QCoreApplication.translate``. English is the
source language, but its plurals (``%n``) still come from a translation file, so English is
loaded too. The language can change while the tray runs (:func:`choose_language`): every
window re-reads its texts on Qt's ``LanguageChange`` event. ``make i18n`` compiles
``i18n/*.ts`` into ``resources/i18n/``.
"""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import QCoreApplication, QLocale, QSettings, QTranslator

log = logging.getLogger("peerup.gui")

_installed: list[QTranslator] = []


def install_translations(lang: str | None = None) -> str:
    """Install the translation for ``lang`` (default: the system locale), else English.

    Args:
        lang: A language code such as ``"de"``; None for the system locale's.

    Returns:
        The language installed.
    """
    for translator in _installed:
        QCoreApplication.removeTranslator(translator)
    _installed.clear()
    wanted = (lang or QLocale.system().name()).split("_")[0] or "en"
    folder = resources.files("app.resources") / "i18n"
    for code in dict.fromkeys((wanted, "en")):
        translator = QTranslator()
        if translator.load(str(folder / f"peerup_{code}.qm")):
            QCoreApplication.installTranslator(translator)
            _installed.append(translator)
            # Dates and numbers as the chosen language writes them (else the system's).
            QLocale.setDefault(QLocale(lang) if lang else QLocale.system())
            return code
        if code != "en":
            log.info("no translation for %r; using English", code)
    log.warning("the English translation file is missing: plurals will read '(s)'")
    return "en"


def preferred_language() -> str | None:
    """The language chosen as a preference (``QSettings`` ``language``), None for the system's."""
    value = QSettings("peer-up", "peerup-tray").value("language", "")
    return str(value) or None


def set_preferred_language(lang: str | None) -> None:
    """Save ``lang`` as the preferred language (None: follow the system locale)."""
    QSettings("peer-up", "peerup-tray").setValue("language", lang or "")


def choose_language(lang: str | None) -> str:
    """Save ``lang`` as the preference and switch to it now.

    Installing the translation makes Qt send every window a ``LanguageChange`` event; the tray
    menu and the windows set their texts again when it comes.

    Args:
        lang: A language code such as ``"de"``; None for the system locale's.

    Returns:
        The language installed.
    """
    set_preferred_language(lang)
    return install_translations(lang)
