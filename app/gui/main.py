"""``peerup-tray``'s GUI: the Qt application, one instance per config, the tray and its bridge.

:func:`run` is called by :func:`app.launcher.tray_main` with the callable that starts the engine
in this process (the launcher owns the trio side). Order of start-up: the Qt application, the
single-instance check (a second start hands its arguments to the first and exits), the config on
first run, the tray icon; only then the engine, whose import of py-libp2p takes about a second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import logging
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, QSocketNotifier, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from app.core.config import init_config_dir
from app.core.errors import PeerupError
from app.gui import qtcompat
from app.gui.bridge import Bridge, StartEngine
from app.gui.desktop_entry import register_link_handler
from app.gui.dialogs.forwards import ForwardsWindow
from app.gui.dialogs.invite import InviteDialog
from app.gui.dialogs.join import JoinDialog
from app.gui.dialogs.preferences import PreferencesDialog
from app.gui.dialogs.verify import VerifyDialog
from app.gui.i18n import install_translations, preferred_language
from app.gui.notifications import Notifications
from app.gui.peers_window import PeersWindow
from app.gui.tray import Tray
from app.gui.windows import Windows
from app.util.log import setup_logging
from app.util.paths import default_config_path
from app.util.ports import pick_listen_port

log = logging.getLogger("peerup.gui")

HANDOVER_TIMEOUT_MS = 1000


# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate


def instance_name(config_path: Path) -> str:
    """The local server name of the tray running for ``config_path`` (one per config)."""
    digest = hashlib.sha256(str(config_path.resolve()).encode()).hexdigest()[:16]
    return f"peerup-tray-{digest}"


def hand_over(name: str, args: list[str]) -> bool:
    """Give ``args`` to the instance listening on ``name``; False when none answers."""
    conn = QLocalSocket()
    conn.connectToServer(name)
    if not conn.waitForConnected(HANDOVER_TIMEOUT_MS):
        return False
    conn.write(QByteArray(json.dumps(args).encode() + b"\n"))
    conn.waitForBytesWritten(HANDOVER_TIMEOUT_MS)
    conn.disconnectFromServer()
    if conn.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        conn.waitForDisconnected(HANDOVER_TIMEOUT_MS)
    return True


class InstanceServer(QObject):
    """Receives the arguments of later starts of the tray for the same config.

    Signals:
        args_received(list): The command-line arguments a second start handed over.
    """

    args_received = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        """Listen on ``name``, taking over a name left by a dead instance."""
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(name)
        if not self._server.listen(name):
            log.warning("cannot listen for other starts: %s", self._server.errorString())
        self._server.newConnection.connect(self._on_connection)

    def _on_connection(self) -> None:
        while (conn := self._server.nextPendingConnection()) is not None:
            conn.readyRead.connect(lambda c=conn: self._read(c))
            conn.disconnected.connect(conn.deleteLater)

    def _read(self, conn: QLocalSocket) -> None:
        if not conn.canReadLine():
            return
        line = bytes(conn.readLine().data())
        try:
            args = json.loads(line)
        except ValueError:
            log.warning("ignored a malformed hand-over")
            return
        if isinstance(args, list) and all(isinstance(a, str) for a in args):
            self.args_received.emit(args)


class TrayApp(QObject):
    """The running tray: bridge, icon and menu, until Quit.

    Attributes:
        bridge: The link to the engine.
        tray: The icon and menu.
    """

    def __init__(
        self,
        config_path: Path,
        start_engine: StartEngine | None,
        *,
        first_run: bool = False,
        links: list[str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """Create the bridge and the (hidden) tray icon.

        Args:
            config_path: The node's config file.
            start_engine: Starts the engine in this process; None to only attach.
            first_run: The config was just created: say what to do next.
            links: ``peerup://`` links from the command line, handled once the icon is up.
            parent: The Qt parent.
        """
        super().__init__(parent)
        self.bridge = Bridge(config_path, start_engine, self)
        self.tray = Tray(self.bridge, self)
        self._first_run = first_run
        self._links = list(links or [])
        self._quit = asyncio.Event()
        self.tray.quit_requested.connect(self._quit.set)
        self.tray.open_requested.connect(self.open_window)
        self.tray.invite_requested.connect(self.open_invite)
        self.tray.join_requested.connect(self.open_join)
        self.tray.forwards_requested.connect(self.open_forwards)
        self.tray.preferences_requested.connect(self.open_preferences)
        self.tray.verify_requested.connect(self.open_verify)
        self.notifications = Notifications(self.bridge, self.tray.notify, self)
        self.notifications.verify_request_shown.connect(self.tray.open_verify_on_click)
        self.windows = Windows()

    def request_quit(self) -> None:
        """Quit as the menu's Quit does."""
        self._quit.set()

    async def run(self) -> None:
        """Show the icon, start or attach to the engine, follow it until Quit, stop it."""
        self.tray.show()
        log.info(
            "tray icon shown (py-libp2p %s)",
            "already imported" if "libp2p" in sys.modules else "not imported yet",
        )
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.warning("no system tray on this desktop: the icon cannot be shown")
        await asyncio.sleep(0.05)  # let the icon appear before py-libp2p's import blocks
        if self._first_run:
            self.tray.notify(
                translate("Main", "Welcome to peer-up"),
                translate(
                    "Main",
                    "This device has a new identity. To connect another device, choose "
                    "“Invite a device…” in this menu, and “Join with a code…” on the other.",
                ),
            )
        if self._links:
            self.on_args(self._links)
        watching = asyncio.ensure_future(self.bridge.run())
        try:
            await self._quit.wait()
        finally:
            await self.tray.cancel_actions()
            await self.windows.close_all()
            await self.bridge.quit()
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching
            self.tray.hide()

    def on_args(self, args: list[str]) -> None:
        """Arguments from the command line or a second start: a ``peerup://join/…`` link opens
        the join dialog with it; anything else says that the tray already runs."""
        log.info("arguments from another start: %s", args)
        links = [a for a in args if a.lower().startswith("peerup://")]
        if links:
            self.open_join(links[0])
        else:
            self.tray.notify(
                translate("Main", "peer-up"),
                translate("Main", "peer-up is already running (see the tray)."),
            )

    # ---- the windows and dialogs (app/gui/dialogs, app/gui/windows.py) ------------------------

    @property
    def window(self) -> PeersWindow | None:
        """The peers window, once opened."""
        return self.windows.find(PeersWindow)

    @property
    def invite_dialog(self) -> InviteDialog | None:
        """The open invite wizard."""
        return self.windows.find(InviteDialog)

    @property
    def join_dialog(self) -> JoinDialog | None:
        """The open join dialog."""
        return self.windows.find(JoinDialog)

    @property
    def preferences(self) -> PreferencesDialog | None:
        """The open preferences."""
        return self.windows.find(PreferencesDialog)

    @property
    def forwards_window(self) -> ForwardsWindow | None:
        """The port forwards window, once opened."""
        return self.windows.find(ForwardsWindow)

    def verify_dialog(self, peer_id: str) -> VerifyDialog | None:
        """The open verification dialog for ``peer_id``."""
        return self.windows.find(VerifyDialog, peer_id)

    def open_window(self) -> PeersWindow:
        """Show the peers window (created on first use), raised and focused."""
        window, made = self.windows.show(PeersWindow, lambda: PeersWindow(self.bridge))
        if made:
            window.verify_requested.connect(self.open_verify)
            window.preferences_requested.connect(self.open_preferences)
        return window

    def open_invite(self) -> InviteDialog:
        """Show the invite wizard (tray ▸ Invite a device…); the open one if there is one."""
        dialog, made = self.windows.show(InviteDialog, lambda: InviteDialog(self.bridge))
        if made:
            dialog.show_peers_requested.connect(self.open_window)
        return dialog

    def open_join(self, text: str = "") -> JoinDialog:
        """The join dialog (tray ▸ Join with a code…, or a ``peerup://`` link), with ``text``.

        An open join dialog is raised; ``text`` replaces its code unless a join is under way.
        """
        dialog, made = self.windows.show(JoinDialog, lambda: JoinDialog(self.bridge, text))
        if made:
            dialog.show_peers_requested.connect(self.open_window)
        elif text:
            dialog.set_text(text)
        return dialog

    def open_verify(self, peer_id: str) -> VerifyDialog:
        """Show the emoji verification dialog for ``peer_id`` (raised if it is open already).

        From the peers window's "Verify…", the tray menu's request entries and a clicked
        request notification. A new dialog answers the peer's waiting request, or starts a run.
        """
        dialog, made = self.windows.show(
            VerifyDialog, lambda: VerifyDialog(self.bridge, peer_id), peer_id
        )
        if made:
            dialog.begin()
        return dialog

    def open_forwards(self) -> ForwardsWindow:
        """Show the port forwards window (tray ▸ Port forwards…; one, created on first use)."""
        return self.windows.show(ForwardsWindow, lambda: ForwardsWindow(self.bridge))[0]

    def open_preferences(self) -> PreferencesDialog:
        """Show the preferences (tray ▸ Preferences…): one dialog, raised and focused."""
        return self.windows.show(
            PreferencesDialog, lambda: PreferencesDialog(self.bridge, self.notifications)
        )[0]


class CrashDialogs:
    """``sys.excepthook`` for the GUI: log the exception and show it in a dialog to copy.

    qasync passes exceptions raised in slots and callbacks to ``sys.excepthook``; without this
    hook they would only reach stderr, which a tray app's user never sees.
    """

    def __init__(self) -> None:
        """Keep the shown dialogs alive (they are not modal: the tray keeps running)."""
        self._dialogs: list[QMessageBox] = []

    def __call__(
        self,
        kind: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """Log the exception and show it."""
        details = "".join(traceback.format_exception(kind, exc, tb))
        log.error("uncaught exception:\n%s", details)
        box = QMessageBox()
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(translate("Main", "peer-up: something went wrong"))
        box.setText(
            translate("Main", "peer-up hit an unexpected error: %1").replace(
                "%1", str(exc) or kind.__name__
            )
        )
        box.setInformativeText(translate("Main", "Please copy the details into a bug report."))
        box.setDetailedText(details)
        box.finished.connect(lambda _=0, b=box: self._dialogs.remove(b))
        self._dialogs.append(box)
        box.show()


class QuitOnSignals(QObject):
    """SIGINT and SIGTERM quit the tray as its Quit does (the engine stops cleanly).

    Python runs signal handlers only when it runs, and Qt's event loop is C++: the handlers'
    wake-up byte (``signal.set_wakeup_fd``) makes a socket notifier run a slot, and Python runs
    the handler then.
    """

    def __init__(self, quit_: Callable[[], None], parent: QObject | None = None) -> None:
        """Install the handlers and the wake-up socket."""
        super().__init__(parent)
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)
        signal.set_wakeup_fd(self._write.fileno())
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda _n, _f: quit_())
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._read.recv(512)


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="peerup-tray", description="The peer-up tray app.")
    parser.add_argument("--config", type=Path, default=None, help="config file")
    parser.add_argument(
        "--lang",
        default=None,
        help="language, e.g. de (default: the preference, else the system's)",
    )
    parser.add_argument("links", nargs="*", help="a peerup:// link to open")
    return parser.parse_args(argv)


def run(argv: list[str], start_engine: StartEngine | None) -> int:
    """Run the tray until Quit; returns the exit code.

    Args:
        argv: The command line after the program name.
        start_engine: Starts the engine in this process (from :mod:`app.launcher`); None to
            only attach to a running daemon.

    Returns:
        0 after Quit, or after handing the arguments to the instance already running; 1 when
        the config cannot be created.
    """
    args = _parse_args(argv)
    setup_logging()
    qtcompat.install()  # before the first signal
    config_path: Path = (args.config or default_config_path()).expanduser().absolute()
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)
    app.setApplicationName("peerup-tray")
    app.setQuitOnLastWindowClosed(False)
    install_translations(args.lang or preferred_language())  # --lang wins over the preference

    name = instance_name(config_path)
    if hand_over(name, argv):
        print("peer-up is already running for this config: handed over to it", file=sys.stderr)
        return 0

    first_run = False
    if not config_path.exists():
        try:
            init_config_dir(config_path.parent, listen_port=pick_listen_port())
        except PeerupError as exc:
            print(f"Error: {exc.message}", file=sys.stderr)
            return 1
        first_run = True
        log.info("created a default config at %s", config_path)

    import qasync  # here: it installs itself as the asyncio loop for Qt

    sys.excepthook = CrashDialogs()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    server = InstanceServer(name)
    tray_app = TrayApp(config_path, start_engine, first_run=first_run, links=args.links)
    server.args_received.connect(tray_app.on_args)
    QuitOnSignals(tray_app.request_quit, tray_app)
    register_link_handler(tray_app)
    with loop:
        loop.run_until_complete(tray_app.run())
    return 0
