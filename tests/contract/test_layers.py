"""The architecture's rules (DESIGN §2, architecture review §4.1 and R1), made executable.

An AST walk over spso_xl/, udfs/ and macros/ (tests/contract/imports.py builds the graph; nothing
is imported). One test per rule:

1. no import cycle among the project's modules, function-level imports included;
2. layers: a module imports only its own layer or lower (LAYERS, SHELLS); spso_xl/__init__.py
   imports nothing of the project;
3. at most 15 imports of project modules inside functions, each with a comment saying why it is
   deferred (on its line or the line just above);
4. only spso_xl/xlsx/tables.py imports python_calamine; only spso_xl/xlsx/ calls
   openpyxl.load_workbook;
5. no module over 600 lines; at most 4 modules directly in spso_xl/;
6. no `_private` name of a project module imported (or reached as `module._name`) by another;
7. imports inside spso_xl are absolute, so the subpackage `calendar` never shadows the stdlib's.

KNOWN lists violations tolerated for a while (empty since issue 21 landed). Each test fails on a
violation not in KNOWN (a new one: fix it) and on a KNOWN entry that no longer occurs (fixed: delete
it from KNOWN), so the list can only shrink. Violations are named by modules and functions, not by
line numbers, so unrelated edits do not touch KNOWN; the failure message gives file:line.
"""

from __future__ import annotations

import ast
import functools
from collections import Counter
from itertools import pairwise

from tests.contract.imports import (
    ROOT,
    Module,
    edges,
    private,
    private_accesses,
    read_project,
    shortest_cycle,
    strongly_connected,
)

# Layers, lowest first: a module may import modules of its own layer or of a lower one.
LAYERS = [
    {"spso_xl.errors", "spso_xl.safewrite"},
    {"spso_xl.calendar", "spso_xl.xlsx"},
    {"spso_xl.policy"},
    {"spso_xl.tracker"},
    {"spso_xl.outputs"},
    {"spso_xl.letters", "spso_xl.summary", "spso_xl.reminders"},
    {"spso_xl.new", "spso_xl.cli"},
]
LAYER = {part: n for n, parts in enumerate(LAYERS) for part in parts}
# The shells, and what each may import besides itself.
SHELLS = {
    "udfs": {"spso_xl.policy", "spso_xl.calendar", "spso_xl.tracker", "spso_xl.xlsx", "spso_xl.errors"},
    "macros": (set(LAYER) - {"spso_xl.cli"}) | {"udfs"},
}
MAX_DEFERRED = 15  # imports of project modules inside functions
MAX_LINES = 600
MAX_TOP_MODULES = 4  # .py files directly in spso_xl/ (__init__, errors, safewrite, new)

KNOWN: dict[str, set[str]] = {  # shrunk to empty by issue 21: every rule holds
    "cycles": set(),
    "layers": set(),
    "deferred imports": set(),
    "calamine and load_workbook": set(),
    "size": set(),
    "private names": set(),
    "relative imports": set(),
}


@functools.cache
def project() -> dict[str, Module]:
    return read_project()


def part(module: str) -> str:
    """The unit a layer is made of: `spso_xl.tracker.read` -> `spso_xl.tracker`; `udfs` -> `udfs`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "spso_xl" else parts[0]


def check(rule: str, found: dict[str, list[str]]) -> None:
    """Fail on a violation not in KNOWN[rule], and on a KNOWN[rule] entry that no longer occurs."""
    known = KNOWN[rule]
    new = {key: where for key, where in found.items() if key not in known}
    gone = known - found.keys()
    lines = []
    if new:
        lines.append(f"{rule}: {len(new)} new violation{'s' * (len(new) != 1)} (fix the code, do not add to KNOWN):")
        for key in sorted(new):
            lines.append(f"  {key}")
            lines.extend(f"      {w}" for w in new[key])
    if gone:
        lines.append(f"{rule}: no longer found (fixed, or grown into a violation listed above), so delete from "
                     f"KNOWN[{rule!r}] in tests/contract/test_layers.py (the list only shrinks):")
        lines.extend(f"  {key!r}," for key in sorted(gone))
    assert not lines, "\n".join(lines)


def test_the_walk_sees_the_project():
    """A walker that found nothing would pass every rule: check it sees the modules and the imports."""
    modules = project()
    for name in ("spso_xl", "spso_xl.errors", "spso_xl.cli", "spso_xl.tracker.read", "udfs", "macros", "macros.lite"):
        assert name in modules, f"{name} not found under {ROOT}"
    graph = edges(modules)
    assert "spso_xl.tracker.computed" in graph["udfs"]
    assert sum(len(targets) for targets in graph.values()) > 100


def test_the_cycle_finder_finds_cycles():
    """The graph helpers on a graph small enough to check by eye: a -> b -> c -> a, c -> d, d -> d."""
    graph = {"a": {"b": []}, "b": {"c": []}, "c": {"a": [], "d": []}, "d": {"d": []}, "e": {"a": []}}
    assert strongly_connected(graph) == [{"a", "b", "c"}]
    assert shortest_cycle(graph, {"a", "b", "c"}) == ["a", "b", "c", "a"]


def test_no_import_cycle():
    """Rule 1: the import graph, function-level imports included, has no cycle."""
    graph = edges(project(), type_only=False)
    found = {}
    for component in strongly_connected(graph):
        cycle = shortest_cycle(graph, component)
        found[f"cycle among {', '.join(sorted(component))}"] = [
            f"{graph[a][b][0].where}: {a} -> {b}  ({graph[a][b][0].text})" for a, b in pairwise(cycle)]
    check("cycles", found)


def why_not(importer: str, target: str) -> str | None:
    """Why `importer` may not import `target`; None when it may."""
    a, b = part(importer), part(target)
    if importer == "spso_xl":
        return None if target == "spso_xl" else "spso_xl/__init__.py imports nothing of the project"
    if a == b or b == "spso_xl":
        return None  # within one part anything goes (cycles aside); the root package holds no code
    if a in SHELLS:
        return None if b in SHELLS[a] else f"{a} may import only {', '.join(sorted(SHELLS[a]))}"
    if b not in LAYER:
        return f"{b} is a shell or in no layer: the core never imports it"
    if LAYER[b] > LAYER[a]:
        return f"{a} (layer {LAYER[a]}) imports {b} (layer {LAYER[b]}), a higher layer"
    return None


def test_imports_run_down_the_layers():
    """Rule 2: each module imports only its own layer or lower; the shells only what they may;
    spso_xl/__init__.py nothing of the project. Imports under TYPE_CHECKING count too."""
    found: dict[str, list[str]] = {}
    for name, m in project().items():
        if name != "spso_xl" and part(name) not in LAYER and part(name) not in SHELLS:
            found[f"{part(name)} is in no layer"] = [f"{m.path}:1: add it to LAYERS or move it"]
            continue
        for imp in m.imports:
            for target in imp.targets:
                reason = why_not(name, target)
                if reason:
                    found.setdefault(f"{name} -> {target}", []).append(f"{imp.where}: {imp.text}  [{reason}]")
    check("layers", found)


def test_few_deferred_imports_each_saying_why():
    """Rule 3: at most 15 imports of project modules inside functions, each with a comment saying why it
    is deferred (a heavy or optional dependency kept off a light path: Lite, --help), on its line or on
    a comment line just above."""
    deferred = [(m, imp) for m in project().values() for imp in m.imports if imp.function and imp.targets]
    found: dict[str, list[str]] = {}
    if len(deferred) > MAX_DEFERRED:
        per_file = Counter(imp.path for _, imp in deferred)
        found[f"{len(deferred)} imports of project modules inside functions (at most {MAX_DEFERRED})"] = [
            f"{path}: {n}" for path, n in per_file.most_common()]
    for m, imp in deferred:
        commented = (any(line in m.comment_lines for line in range(imp.line, imp.end_line + 1))
                     or imp.line - 1 in m.comment_only_lines)
        if not commented:
            found.setdefault(f"{m.path} {imp.function}: {', '.join(imp.targets)}, no comment why", []).append(
                f"{imp.where}: {imp.text}")
    check("deferred imports", found)


def _openpyxl_names(m: Module) -> set[str]:
    """Names bound in the module to openpyxl or one of its submodules."""
    names = set()
    for node in ast.walk(m.tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] == "openpyxl"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "openpyxl" and not node.level:
            names |= {a.asname or a.name for a in node.names if a.name != "load_workbook"}
    return names


def test_one_door_to_workbook_files():
    """Rule 4: only spso_xl/xlsx/tables.py imports python_calamine (the reader with the hostile-file
    limits); no module of spso_xl/ outside xlsx/ calls openpyxl.load_workbook."""
    found: dict[str, list[str]] = {}
    for m in project().values():
        for imp in m.imports:
            if "python_calamine" in imp.external and m.path != "spso_xl/xlsx/tables.py":
                found.setdefault(f"{m.path} imports python_calamine", []).append(f"{imp.where}: {imp.text}")
        if not m.path.startswith("spso_xl/") or m.path.startswith("spso_xl/xlsx/"):
            continue
        openpyxl = _openpyxl_names(m)
        for node in ast.walk(m.tree):
            if (isinstance(node, ast.ImportFrom) and not node.level
                    and (node.module or "").split(".")[0] == "openpyxl"
                    and any(a.name == "load_workbook" for a in node.names)):
                found.setdefault(f"{m.path} calls openpyxl.load_workbook", []).append(
                    f"{m.path}:{node.lineno}: imports load_workbook")
            elif isinstance(node, ast.Attribute) and node.attr == "load_workbook":
                root = node.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in openpyxl:
                    found.setdefault(f"{m.path} calls openpyxl.load_workbook", []).append(
                        f"{m.path}:{node.lineno}: {ast.unparse(node)}")
    check("calamine and load_workbook", found)


def test_modules_are_small_and_grouped():
    """Rule 5: no module over 600 lines; at most 4 modules directly in spso_xl/, the rest in subpackages."""
    found: dict[str, list[str]] = {}
    for m in project().values():
        if m.lines > MAX_LINES:
            found[f"{m.path} is over {MAX_LINES} lines"] = [f"{m.path}:{MAX_LINES + 1}: {m.lines} lines"]
    top = sorted(p.name for p in (ROOT / "spso_xl").glob("*.py"))
    if len(top) > MAX_TOP_MODULES:
        found[f"spso_xl/ has {len(top)} modules directly in it (at most {MAX_TOP_MODULES})"] = [
            f"spso_xl/{name}:1" for name in top]
    check("size", found)


def test_no_private_name_crosses_modules():
    """Rule 6: a `_name` of a project module stays in it: not imported (`from spso_xl.a import _x`) nor
    reached (`a._x`) from another module. Dunders (`__version__`) are public."""
    modules = project()
    found: dict[str, list[str]] = {}
    for m in modules.values():
        for imp in m.imports:
            for base, name in imp.names:
                if private(name):
                    found.setdefault(f"{m.name} imports {base}.{name}", []).append(f"{imp.where}: {imp.text}")
        for line, module, name in private_accesses(m, modules):
            if module != m.name:
                found.setdefault(f"{m.name} uses {module}.{name}", []).append(f"{m.path}:{line}")
    check("private names", found)


def test_imports_in_spso_xl_are_absolute():
    """Rule 7: `from spso_xl.calendar import dates`, never `from .calendar import dates` or `from . import x`:
    written out, the subpackage named `calendar` is never taken for the standard library's."""
    found: dict[str, list[str]] = {}
    for m in project().values():
        if m.name.split(".")[0] != "spso_xl":
            continue
        for imp in m.imports:
            if imp.level:
                found.setdefault(f"{m.name}: {imp.text}", []).append(f"{imp.where}: {imp.text}")
    check("relative imports", found)
