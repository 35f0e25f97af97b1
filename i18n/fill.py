"""Fill the unfinished German messages of i18n/peerup_de.ts from another .ts or a JSON table.

``python i18n/fill.py i18n/peerup_de.ts SOURCE...``: each SOURCE is a .ts file (its finished
translations, matched by context and source text) or a JSON object {"source text": "Übersetzung"}
(matched by source text in any context). Prints the messages still unfinished. Used to merge the
translations of branches that each ran ``make i18n`` (the .ts files are generated and conflict).
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def _finished(path: Path) -> tuple[dict[tuple[str, str], ET.Element], dict[str, ET.Element]]:
    by_context: dict[tuple[str, str], ET.Element] = {}
    by_source: dict[str, ET.Element] = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete"):
                continue
            source = message.findtext("source") or ""
            by_context[(name, source)] = translation
            by_source.setdefault(source, translation)
    return by_context, by_source


def main(target: Path, sources: list[Path]) -> int:
    tree = ET.parse(target)
    tables: list[tuple[dict[tuple[str, str], ET.Element], dict[str, ET.Element]]] = []
    plain: dict[str, str] = {}
    for source in sources:
        if source.suffix == ".json":
            plain.update(json.loads(source.read_text(encoding="utf-8")))
        else:
            tables.append(_finished(source))
    missing = 0
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") != "unfinished":
                continue
            text = message.findtext("source") or ""
            found = next((t[0][(name, text)] for t in tables if (name, text) in t[0]), None)
            if found is None:
                found = next((t[1][text] for t in tables if text in t[1]), None)
            if found is not None:
                message.remove(translation)
                message.append(found)
            elif text in plain:
                translation.text = plain[text]
                del translation.attrib["type"]
            else:
                missing += 1
                print(f"unfinished: [{name}] {text!r}")
    tree.write(target, encoding="utf-8", xml_declaration=True)
    text = target.read_text(encoding="utf-8")
    header = "<?xml version='1.0' encoding='utf-8'?>"
    if text.startswith(header):  # keep lupdate's own header and doctype
        text = '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>' + text[len(header) :]
    target.write_text(text, encoding="utf-8")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]]))
