"""The GUI's assets, installed as the package ``app.resources`` (see ``setup.py``).

``icons/`` holds the tray's SVG icons, ``emoji/`` the bundled emoji glyphs of the verification
dialogs (with their licence), ``i18n/`` the compiled translations (``make i18n``), ``desktop/`` the
desktop entries (the ``peerup://`` link handler, autostart). Code reaches them with
``importlib.resources.files("app.resources")``; nothing here is imported as code.
"""
