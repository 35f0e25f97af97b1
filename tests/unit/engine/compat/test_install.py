"""The compat package as a whole: its index of defects, and ``install()``.

Every defect in ``compat.DEFECTS`` has a module that starts with its name and a
``test_defect_*`` in that module's test file; ``install()`` is idempotent; a node started
without it refuses to run, with a message that says what to do.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import libp2p.identity.identify.identify as identify
from libp2p.io import msgio
from libp2p.io.trio import TrioTCPStream
from libp2p.security.noise.io import NoiseTransportReadWriter
from libp2p.security.secure_session import SecureSession
from libp2p.stream_muxer.yamux import yamux

from app.engine import compat
from tests.helpers.nodes import make_node_dir

TESTS = Path(__file__).parent
REPO = TESTS.parents[3]
HELPERS = {"addresses"}  # shared by several workarounds; no defect of their own


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(compat.__path__))


def _named_defects(module: str) -> list[str]:
    """The defect names a module's docstring starts with (``NAME, NAME: …``)."""
    doc = importlib.import_module(f"app.engine.compat.{module}").__doc__ or ""
    head = doc.split(":", 1)[0]
    return [name.strip() for name in head.replace(" and ", ", ").split(",")]


def test_every_module_starts_with_the_defects_it_covers() -> None:
    for module in _modules():
        if module in HELPERS:
            continue
        covered = sorted(name for name, where in compat.DEFECTS.items() if where == module)
        assert covered, f"{module} is in no entry of compat.DEFECTS"
        assert sorted(_named_defects(module)) == covered, module


def test_every_defect_has_a_test_that_fails_once_upstream_fixes_it() -> None:
    for name, module in compat.DEFECTS.items():
        path = TESTS / f"test_{module}.py"
        assert path.exists(), f"{name}: no {path.name}"
        tree = ast.parse(path.read_text())
        defect_tests = [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_defect_")
        ]
        assert defect_tests, f"{name}: {path.name} has no test_defect_*"


def test_the_architecture_doc_names_every_defect() -> None:
    doc = (REPO / "docs" / "architecture.md").read_text()
    missing = [name for name in compat.DEFECTS if name not in doc]
    assert not missing


def _patched() -> dict[str, object]:
    """What install() replaces, as it stands now."""
    return {
        "yamux write": yamux.YamuxStream.write,
        "yamux read": yamux.YamuxStream.read,
        "yamux frame": yamux.Yamux._write_frame,
        "yamux init": yamux.Yamux.__init__,
        "yamux body": yamux.Yamux._read_data_body,
        "yamux close": yamux.Yamux.close,
        "yamux read_exactly": yamux.read_exactly,  # type: ignore[attr-defined]
        "msgio read_exactly": msgio.read_exactly,  # type: ignore[attr-defined]
        "noise write": NoiseTransportReadWriter.write_msg,
        "secure read": SecureSession.read,
        "tcp read": TrioTCPStream.read,
        "tcp address": TrioTCPStream.get_remote_address,
        "agent": identify.AGENT_VERSION,
    }


def test_install_twice_patches_once() -> None:
    compat.install()
    first = _patched()
    compat.install()
    assert compat.installed()
    assert _patched() == first
    # Patched, not wrapped twice: each is the workaround itself.
    assert first["yamux write"] is compat.yamux_write._yamux_write
    assert first["yamux read"] is compat.yamux_shutdown_eof._yamux_read
    assert first["agent"] == compat.identify_agent_version.AGENT_VERSION


def test_a_node_started_without_install_says_what_to_do(tmp_path: Path) -> None:
    """In a fresh process (this one has them installed): Node.run refuses before listening."""
    node = make_node_dir(tmp_path, "node")
    script = (
        "import sys, trio\n"
        "from app.core.config import load_config\n"
        "from app.core.ids.identity import load_identity\n"
        "from app.engine.node import Node\n"
        "config = load_config(sys.argv[1])\n"
        "trio.run(Node(config, load_identity(config.key_file)).run)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(node.config_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode != 0
    assert "CompatNotInstalledError" in run.stderr
    assert "call app.engine.compat.install() once at start-up" in run.stderr
