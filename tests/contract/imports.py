"""The project's import graph, read from the source with `ast` (nothing is imported or run).

`read_project()` parses every module of `spso_xl/`, `udfs/` and `macros/` and records each import
statement as an `Import`: which module it is in, where (file:line), which project modules it brings
in, whether it sits inside a function, and whether it only runs for a type checker.

How an import statement becomes edges to project modules:
- `import spso_xl.a.b` and `import spso_xl.a.b as m` import `spso_xl.a.b` (the longest prefix that is
  a project module); the parent packages that Python also runs are not counted as edges, so a
  package's `__init__` is an edge only when it is named on its own;
- `from spso_xl.a import b` imports `spso_xl.a.b` when `b` is a submodule, else `spso_xl.a`;
- `from spso_xl.a import *` imports `spso_xl.a`;
- relative imports (`from .b import c`, `from .. import b`) are resolved against the importing
  module's package first, then read as above;
- an import under `if TYPE_CHECKING:` is marked `type_only` (it never runs).
Imports of anything else (the standard library, third-party packages) are kept by their top-level
name in `Import.external`, for rules such as "only xlsx/tables.py imports python_calamine".
Dynamic imports (`importlib.import_module`) are not seen.

`tests/contract/test_layers.py` states the architecture's rules over this graph.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREES = ("spso_xl", "udfs", "macros")


@dataclass(frozen=True)
class Import:
    """One import statement of a project module."""

    module: str  # the importing module, e.g. "spso_xl.tracker.read"
    path: str  # its file, relative to the repository, e.g. "spso_xl/tracker/read.py"
    line: int
    end_line: int
    text: str  # the statement as written, on one line, for messages
    level: int  # 0 for an absolute import, else the number of leading dots
    targets: tuple[str, ...]  # project modules it imports
    names: tuple[tuple[str, str], ...]  # (module, name) for each `from module import name` of the project
    binds: tuple[tuple[str, str], ...]  # (local name, project module) for each name bound to a module
    external: tuple[str, ...]  # top-level names of non-project modules it imports
    function: str | None  # qualified name of the enclosing function; None at module level
    type_only: bool  # under `if TYPE_CHECKING:`

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Module:
    """One parsed module of the project."""

    name: str
    path: str
    source: str
    tree: ast.Module
    is_package: bool
    comment_lines: set[int] = field(default_factory=set)  # lines carrying a comment
    comment_only_lines: set[int] = field(default_factory=set)  # lines that are nothing but a comment
    imports: list[Import] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return len(self.source.splitlines())


def module_name(rel: Path) -> tuple[str, bool]:
    """`spso_xl/calendar/dates.py` -> ("spso_xl.calendar.dates", False); an `__init__.py` names its package."""
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def read_project(root: Path = ROOT, trees=TREES) -> dict[str, Module]:
    """Every module of the project's trees, parsed, with its imports resolved."""
    modules: dict[str, Module] = {}
    for tree in trees:
        for path in sorted((root / tree).rglob("*.py")):
            rel = path.relative_to(root)
            name, is_package = module_name(rel)
            source = path.read_text(encoding="utf-8")
            modules[name] = Module(name, rel.as_posix(), source, ast.parse(source, filename=str(rel)), is_package)
    for m in modules.values():
        _comments(m)
        _Collector(m, modules, trees).visit(m.tree)
    return modules


def _comments(m: Module) -> None:
    lines = m.source.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(m.source).readline):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            m.comment_lines.add(row)
            if not lines[row - 1][:col].strip():
                m.comment_only_lines.add(row)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Collector(ast.NodeVisitor):
    def __init__(self, module: Module, modules: dict[str, Module], trees):
        self.m, self.modules, self.trees = module, modules, trees
        self.scope: list[tuple[str, bool]] = []  # (name, is_function)
        self.type_only = 0

    # scopes
    def _scoped(self, node, is_function: bool):
        self.scope.append((node.name, is_function))
        self.generic_visit(node)
        self.scope.pop()

    def visit_FunctionDef(self, node):
        self._scoped(node, True)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._scoped(node, False)

    def visit_If(self, node):
        if _is_type_checking(node.test):
            self.type_only += 1
            for child in node.body:
                self.visit(child)
            self.type_only -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    # resolution
    def _project(self, dotted: str) -> bool:
        return dotted.split(".")[0] in self.trees

    def _longest_module(self, dotted: str) -> str:
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in self.modules:
                return ".".join(parts[:n])
        return dotted  # not a module of the tree (it would fail at run time): keep the name as written

    def _base(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = self.m.name.split(".") if self.m.is_package else self.m.name.split(".")[:-1]
        if node.level > 1:
            package = package[: len(package) - (node.level - 1)]
        return ".".join(package + ([node.module] if node.module else []))

    def _record(self, node, targets, names, external, binds=()):
        function = ".".join(n for n, _ in self.scope) if any(f for _, f in self.scope) else None
        first = ast.get_source_segment(self.m.source, node) or ""
        self.m.imports.append(Import(
            self.m.name, self.m.path, node.lineno, node.end_lineno or node.lineno, " ".join(first.split()),
            getattr(node, "level", 0) or 0, tuple(dict.fromkeys(targets)), tuple(names),
            tuple(binds), tuple(dict.fromkeys(external)), function, self.type_only > 0))

    def visit_Import(self, node):
        targets, external, binds = [], [], []
        for alias in node.names:
            if self._project(alias.name):
                targets.append(self._longest_module(alias.name))
                top = alias.name.split(".")[0]
                binds.append((alias.asname, alias.name) if alias.asname else (top, top))
            else:
                external.append(alias.name.split(".")[0])
        self._record(node, targets, [], external, binds)

    def visit_ImportFrom(self, node):
        base = self._base(node)
        if not self._project(base):
            self._record(node, [], [], [base.split(".")[0]])
            return
        targets, names, binds = [], [], []
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            if alias.name != "*" and sub in self.modules:
                targets.append(sub)
                binds.append((alias.asname or alias.name, sub))
            else:
                targets.append(self._longest_module(base))
            names.append((base, alias.name))
        self._record(node, targets, names, [], binds)


# graph

def edges(modules: dict[str, Module], *, type_only: bool = True) -> dict[str, dict[str, list[Import]]]:
    """module -> {imported project module: [the import statements]}; a module importing itself is no edge."""
    graph: dict[str, dict[str, list[Import]]] = {name: {} for name in modules}
    for m in modules.values():
        for imp in m.imports:
            if imp.type_only and not type_only:
                continue
            for target in imp.targets:
                if target != m.name:
                    graph[m.name].setdefault(target, []).append(imp)
    return graph


def strongly_connected(graph: dict[str, dict]) -> list[set[str]]:
    """Tarjan's strongly connected components (iterative), those of more than one module only."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def shortest_cycle(graph: dict[str, dict], component: set[str]) -> list[str]:
    """A shortest cycle through the component, as [a, b, ..., a], starting from its first module by name."""
    best: list[str] | None = None
    for start in sorted(component):
        parent = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for child in sorted(graph[node]):
                if child not in component:
                    continue
                if child == start:
                    path, step = [], node
                    while step is not None:
                        path.append(step)
                        step = parent[step]
                    cycle = path[::-1] + [start]
                    if best is None or len(cycle) < len(best):
                        best = cycle
                    queue.clear()
                    break
                if child not in parent:
                    parent[child] = node
                    queue.append(child)
    assert best is not None
    return best


def private(name: str) -> bool:
    """`_x` is private; `__x__` (a dunder) and `__x` without the trailing pair are not counted here."""
    return name.startswith("_") and not name.startswith("__")


def private_accesses(m: Module, modules: dict[str, Module]):
    """(line, module, name) for each `alias._name` where alias is bound to a project module."""
    bound = {name: target for imp in m.imports for name, target in imp.binds}
    for node in ast.walk(m.tree):
        if not isinstance(node, ast.Attribute) or not private(node.attr):
            continue
        chain = dotted(node.value)
        if chain is None or chain.split(".")[0] not in bound:
            continue
        first, *rest = chain.split(".")
        full = ".".join([bound[first], *rest])
        if full in modules:
            yield node.lineno, full, node.attr


def dotted(node: ast.expr) -> str | None:
    """`a.b.c` for an attribute chain over a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts[::-1])
    return None
