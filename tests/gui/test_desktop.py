"""``peerup-tray`` as a real process on Linux desktops as they are.

XEmbed: under Xvfb with the trayer tray host, the icon embeds in the panel; xdotool right-clicks
it, the menu opens and a click on Quit ends the process with 0 (its in-process engine stopped).
The same run checks first start (the config is created) and one instance per config (a second
start hands its ``peerup://`` link to the first and exits 0).

StatusNotifierItem: see test_sni.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.api.transport import endpoint_for_config
from tests.gui.desktop import (
    REPO,
    Geometry,
    desktop_env,
    embedded_icon,
    session_bus,
    tray_command,
    tray_process,
    trayer,
    visible_windows,
    wait_for,
    xdotool,
    xvfb,
)

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_xembed_icon_menu_quit_and_single_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("PEERUP_RUNTIME_DIR", str(runtime))
    config_path = tmp_path / "config" / "config.yaml"
    endpoint = endpoint_for_config(config_path)

    with xvfb() as display, session_bus() as bus:
        env = desktop_env(display, bus, runtime)
        with (
            trayer(env, tmp_path / "trayer.log"),
            tray_process(env, config_path, tmp_path / "tray.log") as tray,
        ):
            icon = wait_for("the icon embedded in trayer", lambda: embedded_icon(env), 30)
            api_up = lambda: endpoint.socket_path.exists() or None  # noqa: E731
            wait_for("the in-process engine's API", api_up, 30)
            assert config_path.exists()
            assert "created a default config" in tray.log()
            assert "tray icon shown (py-libp2p not imported yet)" in tray.log()  # icon first
            # The peerup:// link handler is installed for the user (here: the test's XDG dirs).
            entry = runtime / "xdg-data" / "applications" / "peerup-tray.desktop"
            assert "MimeType=x-scheme-handler/peerup;" in entry.read_text()

            # A second start for the same config hands its link over and exits.
            second = subprocess.run(
                tray_command(config_path, "peerup://join/test-code"),
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert second.returncode == 0, second.stderr
            assert "handed over" in second.stderr
            wait_for(
                "the first instance to receive the link",
                lambda: "peerup://join/test-code" in tray.log() or None,
            )

            before = set(visible_windows(env, "peerup-tray"))
            x, y = icon.center
            xdotool(env, "mousemove", str(x), str(y), "click", "3")

            def opened_menu() -> Geometry | None:
                for window, g in visible_windows(env, "peerup-tray").items():
                    if window not in before and g.height > 120:
                        return g
                return None

            menu = wait_for("the tray menu", opened_menu)
            # Quit is the menu's last entry.
            xdotool(
                env, "mousemove", str(menu.center[0]), str(menu.y + menu.height - 12), "click", "1"
            )
            assert tray.proc.wait(30) == 0, tray.log()[-3000:]
    assert not endpoint.socket_path.exists()  # the in-process engine stopped with the tray
