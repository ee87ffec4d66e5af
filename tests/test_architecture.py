"""The map stays true: layers import only downward, no module imports itself back
through others (no import circle, lazy imports included), and every module path
``docs/architecture.md`` names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO_ROOT

#: Top-level packages from the top of the stack to its floor (docs/architecture.md).
LAYERS = ["station", "coordinator", "diagnostics", "sync", "audio", "exam_content", "vpr_common"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for top in LAYERS:
        for path in (REPO_ROOT / top).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _imports(path: Path, name: str, known: dict[str, Path]) -> set[str]:
    """Project modules ``path`` imports anywhere in its body (lazy imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for t in targets:
            while t and t not in known:  # "pkg.mod.func" -> "pkg.mod"
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(path, name, known) for name, path in known.items()}


def test_layers_import_only_downward():
    upward = []
    for mod, deps in _graph().items():
        rank = LAYERS.index(mod.split(".")[0])
        for dep in deps:
            if LAYERS.index(dep.split(".")[0]) < rank:
                upward.append(f"{mod} -> {dep}")
    assert upward == []


#: The rooms of ``coordinator/`` (DESIGN section 10): a room imports only rooms of a
#: higher rank. The node hands the school's valid codes to stations, so it stands on
#: the school; the school knows nothing of stations. ``app`` and ``cli`` at the top
#: compose them all.
ROOMS = {"web": 0, "analytics": 1, "kiosk": 1, "scoring": 2, "node": 3, "school": 4}


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "coordinator" and len(parts) > 1 and parts[1] in ROOMS else None


def test_coordinator_rooms_import_only_downward():
    wrong = []
    for mod, deps in _graph().items():
        room = _room(mod)
        if not mod.startswith("coordinator.") or mod == "coordinator":
            continue
        for dep in deps:
            target = _room(dep)
            if not dep.startswith("coordinator.") or target == room:
                continue
            if room is None and mod.count(".") > 1:
                wrong.append(f"{mod} -> {dep}")  # a module of no known room
            elif room is not None and (target is None or ROOMS[target] <= ROOMS[room]):
                wrong.append(f"{mod} -> {dep}")
    assert wrong == []


def test_no_import_circles():
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in _graph().items()}  # a package's own __init__
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    import sys
    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert circles == []


def test_architecture_doc_names_only_modules_that_exist():
    """Every file name in backticks must exist: as a path from the repository root, or
    relative to the package whose section (``## station`` ...) names it."""
    named, missing = [], []
    package = None
    for line in (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            word = line[3:].split()[0] if line[3:].split() else ""
            package = word if (REPO_ROOT / word).is_dir() else None
        for name in re.findall(r"`([A-Za-z_0-9./-]+\.(?:py|kv|md|sh)|[A-Za-z_0-9.-]+/[A-Za-z_0-9./-]+\.json)`", line):
            named.append(name)
            candidates = [REPO_ROOT / name] + ([REPO_ROOT / package / name] if package else [])
            if not any(c.exists() for c in candidates):
                missing.append(f"{name} (section {package or '-'})")
    assert len(named) > 20 and missing == []
