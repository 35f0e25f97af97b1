"""The shape of app/: no import circle, and core's subpackages import only what they say.

The import graph is built from the source with ast: every ``import`` and ``from … import`` in a
module counts, at any depth (inside functions, and under ``if TYPE_CHECKING:`` too: a circle of
type-only imports is still two modules that cannot be understood one without the other).
``from package import name`` is an edge to ``package.name`` when that is a module, else to
``package``. Importing a submodule does not count as importing its parent package's
``__init__`` (Python runs it, but a package that re-exports its own modules is not a circle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Packages (and top-level modules) of app/ whose modules must not import each other in a circle.
CHECKED = (
    "app.api",
    "app.cli",
    "app.core",
    "app.daemon",
    "app.engine",
    "app.gui",
    "app.launcher",
    "app.util",
)

# What each subpackage of app.core may import from the rest of core (as its __init__ says). Core
# modules at the top (errors, files, status) are not in the table: everyone may import them.
CORE_IMPORTS = {
    "app.core.wire": {"app.core.errors"},
    "app.core.ids": {"app.core.wire", "app.core.errors", "app.core.files"},
    "app.core.codes": {"app.core.ids", "app.core.wire", "app.core.errors"},
    "app.core.pairing": {"app.core.ids", "app.core.errors"},
    "app.core.peers": {
        "app.core.ids",
        "app.core.pairing",
        "app.core.errors",
        "app.core.files",
        "app.core.status",
    },
    "app.core.reach": {"app.core.ids", "app.core.wire", "app.core.status", "app.core.errors"},
    "app.core.config": {
        "app.core.ids",
        "app.core.peers",
        "app.core.reach",
        "app.core.errors",
        "app.core.files",
        "app.core.status",
    },
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(APP.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """Our module that ``name`` is or lies in (an attribute of a module), None if not ours."""
    modules = _modules()
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    path = _modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(r for a in node.names if (r := _resolve(a.name)) is not None)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                full = f"{base}.{alias.name}"
                target = full if full in _modules() else _resolve(base)
                if target is not None:
                    found.add(target)
    found.discard(module)
    return found


@cache
def _graph() -> dict[str, frozenset[str]]:
    return {m: frozenset(_imports(m)) for m in _modules()}


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def _find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """The first circle of ``graph`` in name order, as ``[a, b, …, a]``, or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        # Depth-first, without recursion; ``path`` is the current chain of imports.
        path = [start]
        pending = [iter(sorted(graph[start]))]
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                pending.pop()
                done.add(path.pop())
            elif nxt in path:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in done and nxt in graph:
                path.append(nxt)
                pending.append(iter(sorted(graph[nxt])))
    return None


def _first_cycle(packages: tuple[str, ...]) -> list[str] | None:
    """A circle among the modules of ``packages``, or None."""
    return _find_cycle(
        {
            m: [d for d in deps if _within(d, packages)]
            for m, deps in _graph().items()
            if _within(m, packages)
        }
    )


def _top_level() -> set[str]:
    return {".".join(m.split(".")[:2]) for m in _modules() if m != "app"}


def test_every_package_is_checked() -> None:
    listed = set(CHECKED)
    missing = _top_level() - listed - {"app.__main__"}
    assert not missing, f"add {sorted(missing)} to CHECKED"
    assert not listed - _top_level(), f"no such package: {sorted(listed - _top_level())}"


def test_no_import_circle() -> None:
    cycle = _first_cycle(CHECKED)
    assert cycle is None, "import circle: " + " -> ".join(cycle or ())


def test_core_subpackages_import_only_what_they_declare() -> None:
    wrong: list[str] = []
    for module, deps in sorted(_graph().items()):
        own = ".".join(module.split(".")[:3])
        allowed = CORE_IMPORTS.get(own)
        if allowed is None:
            continue
        for dep in sorted(deps):
            if not dep.startswith("app.core.") or _within(dep, (own,)):
                continue
            if ".".join(dep.split(".")[:3]) not in allowed:
                wrong.append(f"{module} imports {dep}")
    assert not wrong, "update the package's __init__ docstring and CORE_IMPORTS, or move it: " + (
        "; ".join(wrong)
    )


def test_every_core_subpackage_is_declared() -> None:
    packages = {m for m, p in _modules().items() if p.name == "__init__.py"}
    subpackages = {m for m in packages if m.count(".") == 2 and m.startswith("app.core.")}
    assert subpackages == set(CORE_IMPORTS)


def test_the_cycle_finder() -> None:
    assert _find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == ["a", "b", "c", "a"]
    assert _find_cycle({"d": ["b"], "b": ["c"], "c": ["b"]}) == ["b", "c", "b"]
    assert _find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) is None
