"""No two modules of skcausalmix import each other, directly or around a loop.

An import inside a function counts as much as one at the top: it only moves
the failure (a partly initialised module) to the first call.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skcausalmix"


def module_names(package=PACKAGE):
    """Dotted name -> source file of every module of ``package``."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imported_modules(name, path, modules):
    """The package's modules that ``name`` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from package import name``: name may be a module of its own.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            # Importing a.b.c runs a/__init__ and a/b/__init__ first; the importer's own
            # packages are already running, so only the other ones are new imports.
            chain = {".".join(parts[:k]) for k in range(1, len(parts) + 1)}
            own = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)}
            found |= {m for m in chain if m in modules and (m not in own or m == target)}
    found.discard(name)
    return found


def find_cycle(graph):
    """One cycle of ``graph`` (a list of modules, the first repeated at the end), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def import_graph(package=PACKAGE):
    modules = module_names(package)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 30 and "skcausalmix.scm._table" in graph["skcausalmix.scm._scm"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"b", "c"}, "c": set()}, ["b", "b"]),
])
def test_cycles_are_found_and_named(graph, expected):
    assert find_cycle(graph) == expected


def test_function_level_and_relative_imports_count(tmp_path):
    package = tmp_path / "skcausalmix"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from ._a import f\n")
    (package / "sub" / "_a.py").write_text("def f():\n    from .._b import g\n")
    (package / "_b.py").write_text("from .sub import f\n")
    graph = import_graph(package)
    assert graph["skcausalmix.sub._a"] == {"skcausalmix._b"}
    assert find_cycle(graph) == ["skcausalmix._b", "skcausalmix.sub", "skcausalmix.sub._a", "skcausalmix._b"]
