"""No import loop among protv2g's modules (issue #14).

Walks every module of the package with :mod:`ast` — imports at module level and inside
functions alike, plus module names written as strings (``import_module`` tables such as
``protv2g._LAZY`` and the CLI's command table) — and fails naming every loop. Imports under
``if TYPE_CHECKING:`` are left out: they never run, and a stage may name the type of the data
it reads (the report annotates ``StudyResult``) without depending on the module at run time.

An edge ``a → b`` means module ``a`` names module ``b`` in an import. ``from protv2g.x import y``
is an edge to ``protv2g.x.y`` when that is a module, else to ``protv2g.x``. Importing a
submodule also runs its parents' ``__init__``; those implicit edges are not counted (a
package's ``__init__`` is its public face and may name the modules below it), so the rule is
the design's: no module names, directly or through others, a module that names it back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "protv2g"


def _module_names(package_dir: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module ``name`` refers to (itself, or its longest module prefix)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _walk_runtime(tree: ast.AST):
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def import_graph(package_dir: Path = PACKAGE_DIR) -> nx.DiGraph:
    """Directed graph of protv2g module → protv2g module it imports (any level)."""
    modules = _module_names(package_dir)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    root = package_dir.name
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_pkg = path.name == "__init__.py"
        for node in _walk_runtime(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name if is_pkg else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        base = base.rpartition(".")[0]
                    mod = f"{base}.{node.module}" if node.module else base
                else:
                    mod = node.module or ""
                targets = [f"{mod}.{a.name}" for a in node.names]
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and node.value.startswith(f"{root}.") and node.value in modules):
                targets = [node.value]
            for target in targets:
                if target.split(".")[0] != root:
                    continue
                hit = _resolve(target, modules)
                if hit is not None and hit != name:
                    graph.add_edge(name, hit)
    return graph


def import_loops(graph: nx.DiGraph) -> list[list[str]]:
    """Every group of modules that import each other (strongly connected, > 1 module)."""
    return sorted((sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1),
                  key=lambda c: (-len(c), c))


def _describe(graph: nx.DiGraph, loop: list[str]) -> str:
    cycle = nx.find_cycle(graph.subgraph(loop))
    path = " → ".join([cycle[0][0], *(b for _, b in cycle)])
    return f"{len(loop)} modules ({', '.join(loop)}), e.g. {path}"


#: Loops in modules another engineer owns right now, each with who and the fix; listed so
#: that any *other* loop fails at once. ``test_known_loops_are_gone`` fails (XPASS, strict)
#: as soon as one is fixed, so the entry is removed then.
def test_no_import_loop() -> None:
    graph = import_graph()
    loops = import_loops(graph)
    assert not loops, "import loops:\n" + "\n".join(_describe(graph, c) for c in loops)


def test_the_walk_sees_function_level_imports_and_fails_on_a_loop(tmp_path: Path) -> None:
    pkg = tmp_path / "protv2g"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from protv2g.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from protv2g import a\n    return a\n")
    (pkg / "c.py").write_text("import importlib\nM = 'protv2g.d'\n")
    (pkg / "d.py").write_text("from . import c\n")
    (pkg / "e.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from protv2g import f\n")
    (pkg / "f.py").write_text("import protv2g.e\n")
    graph = import_graph(pkg)
    loops = import_loops(graph)
    assert loops == [["protv2g.a", "protv2g.sub.b"], ["protv2g.c", "protv2g.d"]]
    assert "protv2g.a" in _describe(graph, loops[0])


def test_no_module_imports_runners_private_functions() -> None:
    """``grep -rn "from protv2g.runner import _" protv2g`` finds nothing (issue #14)."""
    found = []
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "protv2g.runner":
                found += [f"{path.relative_to(PACKAGE_DIR.parent)}: {a.name}"
                          for a in node.names if a.name.startswith("_")]
    assert not found, "private names of protv2g.runner imported:\n" + "\n".join(found)
