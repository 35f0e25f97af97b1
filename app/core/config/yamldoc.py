"""The YAML side of config.yaml: loading it round-trip, and reading its nodes with their lines.

ruamel.yaml in round-trip mode keeps the comments (so :class:`~app.core.config.edit.ConfigEditor`
can write them back) and records the line of every key and item, so each error names the dotted
key and the line. :class:`NodeReader` reads typed values from the document's nodes; the sections
themselves are read by :mod:`app.core.config.parse`.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarbool import ScalarBoolean

from app.core.config.schema import DEFAULT_RESERVATION_INTERVAL, IGNORED_KEYS
from app.core.errors import ConfigError, PeerupError

# A config is a few kilobytes; refuse to feed megabytes of YAML to the parser.
MAX_CONFIG_SIZE = 1024 * 1024
MAX_DEPTH = 64

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)")
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(text: str) -> float:
    """Parse a Go-style duration (``"2m"``, ``"30s"``, ``"1h30m"``, ``"500ms"``) into seconds.

    Raises:
        ValueError: Not a duration.
    """
    text = text.strip()
    pos = 0
    total = 0.0
    if not text:
        raise ValueError("empty duration")
    while pos < len(text):
        m = _DURATION_RE.match(text, pos)
        if m is None:
            raise ValueError(f"{text!r} is not a duration")
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    return total


def new_yaml() -> YAML:
    """Return a round-trip YAML loader/dumper set up the way the template is written."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    # ruamel writes null as an empty value; keep the explicit "null" the template uses.
    yaml.representer.add_representer(type(None), _represent_null)
    return yaml


def _represent_null(representer: RoundTripRepresenter, _data: None) -> ScalarNode:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def load_yaml(text: str, path: Path, yaml: YAML | None = None) -> object:
    """Load ``text`` as a round-trip document (with ``yaml``, or a new loader).

    Raises:
        ConfigError: Not valid YAML (with the line when ruamel knows it).
    """
    yaml = yaml or new_yaml()
    try:
        # ruamel warns on harmless things (reused anchors); pytest turns warnings into errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return yaml.load(text)
    except RecursionError:
        raise ConfigError("invalid YAML: nested too deeply", path=str(path)) from None
    # The file is untrusted input and ruamel raises several unrelated exception types on
    # malformed YAML (YAMLError, but also ValueError/TypeError from its constructors); all of them
    # mean "not valid YAML" to the user.
    except Exception as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = getattr(mark, "line", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0:1]
        if isinstance(problem, list):
            problem = problem[0] if problem else type(exc).__name__
        raise ConfigError(
            f"invalid YAML: {problem}",
            path=str(path),
            line=line + 1 if isinstance(line, int) else None,
        ) from None


def flow_depth(text: str) -> int:
    """Return how deeply ``[`` and ``{`` nest in ``text`` (an upper bound)."""
    # ruamel recurses once per nesting level and takes seconds to hit RecursionError on
    # "[[[[…"; a config never nests deeper than a handful of levels, so refuse early. Brackets
    # inside quotes or comments are counted too, which can only over-estimate.
    depth = deepest = 0
    for c in text:
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}" and depth:
            depth -= 1
    return deepest


class NodeReader:
    """Reads typed values from the nodes of one config document; each failure names its line.

    Args:
        path: The config file; relative paths in it are resolved against its directory.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.parent

    def fail(
        self, message: str, key: str | None, line: int | None, hint: str | None = None
    ) -> NoReturn:
        """Raise the :class:`ConfigError` for ``key`` (dotted) at ``line``."""
        raise ConfigError(message, path=str(self.path), key=key or None, line=line, hint=hint)

    # Line numbers: ruamel records 0-based (line, col) per key and per item. Keys produced by a
    # YAML merge ("<<:") have no record; fall back to the mapping's own line.
    @staticmethod
    def key_line(node: CommentedMap, key: object) -> int:
        try:
            return int(node.lc.key(key)[0]) + 1
        except (KeyError, TypeError, AttributeError):
            return NodeReader.node_line(node)

    @staticmethod
    def value_line(node: CommentedMap, key: object) -> int:
        try:
            return int(node.lc.value(key)[0]) + 1
        except (KeyError, TypeError, AttributeError):
            return NodeReader.key_line(node, key)

    @staticmethod
    def item_line(node: CommentedSeq, index: int, default: int) -> int:
        try:
            return int(node.lc.item(index)[0]) + 1
        except (KeyError, TypeError, AttributeError, IndexError):
            return default

    @staticmethod
    def node_line(node: object) -> int:
        lc = getattr(node, "lc", None)
        line = getattr(lc, "line", None)
        return int(line) + 1 if isinstance(line, int) else 1

    def mapping(
        self, parent: CommentedMap, key: str, dotted: str, allowed: Sequence[str], *, required: bool
    ) -> CommentedMap | None:
        """Return the section ``parent[key]`` with its keys checked, or None if absent/empty."""
        if key not in parent or parent[key] is None:
            if required:
                line = self.key_line(parent, key) if key in parent else self.node_line(parent)
                self.fail(f"the {dotted!r} section is missing", dotted, line)
            return None
        node = parent[key]
        if not isinstance(node, CommentedMap):
            self.fail(
                f"expected a mapping ({type_name(node)} given)",
                dotted,
                self.value_line(parent, key),
            )
        self.check_keys(node, dotted, allowed)
        return node

    def check_keys(self, node: CommentedMap, dotted: str, allowed: Sequence[str]) -> None:
        """Fail on the first key of ``node`` that is neither allowed nor ignored."""
        ignored = IGNORED_KEYS.get(dotted, ())
        for key in node:
            where = f"{dotted}.{key}" if dotted else str(key)
            if not isinstance(key, str):
                self.fail(f"key {key!r} is not text", dotted or None, self.key_line(node, key))
            if key in allowed or key in ignored:
                continue
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(allowed)}"
            self.fail(f"unknown key {key!r}", where, self.key_line(node, key), hint)

    def string(
        self, node: CommentedMap, key: str, dotted: str, *, default: str | None = None
    ) -> str:
        """Return the text at ``node[key]``, ``default`` if absent (required if None)."""
        if key not in node or node[key] is None:
            if default is None:
                line = self.key_line(node, key) if key in node else self.node_line(node)
                self.fail(f"{key!r} is required", dotted, line)
            return default
        value = node[key]
        if not isinstance(value, str):
            self.fail(
                f"expected text ({type_name(value)} given)", dotted, self.value_line(node, key)
            )
        return str(value)

    def boolean(self, node: CommentedMap, key: str, dotted: str, *, default: bool) -> bool:
        """Return the true/false at ``node[key]``, or ``default``."""
        if key not in node or node[key] is None:
            return default
        value = node[key]
        if isinstance(value, bool | ScalarBoolean):
            return bool(value)
        self.fail(
            f"expected true or false ({describe(value)} given)",
            dotted,
            self.value_line(node, key),
        )

    def string_list(
        self,
        node: CommentedMap,
        key: str,
        dotted: str,
        check: Callable[[str], str] | None = None,
    ) -> tuple[tuple[str, ...], CommentedSeq | None]:
        """Return the stripped texts of the list at ``node[key]``, each passed through ``check``."""
        if key not in node or node[key] is None:
            return (), None
        seq = node[key]
        line = self.value_line(node, key)
        if not isinstance(seq, CommentedSeq):
            self.fail(f"expected a list ({type_name(seq)} given)", dotted, line)
        out: list[str] = []
        for i, item in enumerate(seq):
            item_line = self.item_line(seq, i, line)
            if not isinstance(item, str):
                self.fail(
                    f"item {i + 1}: expected text ({type_name(item)} given)", dotted, item_line
                )
            text = str(item).strip()
            if check is not None:
                try:
                    text = check(text)
                except PeerupError as exc:
                    self.fail(exc.message, dotted, item_line, exc.hint)
            out.append(text)
        return tuple(out), seq

    def path_value(self, node: CommentedMap, key: str, dotted: str, default: str) -> Path:
        """Return the file name at ``node[key]`` as an absolute path."""
        text = self.string(node, key, dotted, default=default or None).strip()
        if not text or "\0" in text:
            self.fail("expected a file name", dotted, self.value_line(node, key))
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.base / path).absolute()

    def duration(
        self,
        node: CommentedMap,
        key: str,
        dotted: str,
        *,
        default: float = DEFAULT_RESERVATION_INTERVAL,
    ) -> float:
        """Return the duration at ``node[key]`` in seconds (more than 0, at most a week)."""
        if key not in node or node[key] is None:
            return default
        value = node[key]
        line = self.value_line(node, key)
        seconds: float
        if isinstance(value, str):
            try:
                seconds = parse_duration(value)
            except ValueError:
                self.fail(
                    f"{value!r} is not a duration",
                    dotted,
                    line,
                    hint='for example: "2m", "30s" or "1h30m"',
                )
        elif isinstance(value, int | float) and not isinstance(value, bool | ScalarBoolean):
            seconds = float(value)
        else:
            self.fail(f"expected a duration ({describe(value)} given)", dotted, line)
        if not 0 < seconds <= 86400 * 7:
            self.fail(f"{value!r} must be more than 0 and at most a week", dotted, line)
        return seconds


def type_name(value: object) -> str:
    """Name the kind of a YAML value the way error messages do ("text", "a list", ...)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool | ScalarBoolean):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, CommentedMap | dict):
        return "a mapping"
    if isinstance(value, CommentedSeq | list):
        return "a list"
    return type(value).__name__


def describe(value: object) -> str:
    """Describe a YAML value for an error message: short text and numbers as themselves."""
    if isinstance(value, str):
        return repr(value[:40])
    if isinstance(value, int | float) and not isinstance(value, bool | ScalarBoolean):
        return str(value)[:40]  # "-1 given" says what is wrong; "a number given" does not
    return type_name(value)
