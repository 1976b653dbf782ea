"""Issue 11: nianbao's layers run in one direction, and no module imports itself round a cycle.

    command line (nianbao.cli*, nianbao.output, nianbao.listing)
      → application (nianbao.app)
        → crawler | monitor | portal   (independent of each other)
          → db
            → extract                  (pure: bytes in, report out)
              → config                 (the bottom: where things live)

Every import counts, including those inside functions (they hide cycles just as well). The
check reads the source with ``ast``; no import is executed.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nianbao", "crawler", "extract", "monitor", "db", "portal", "config")

#: layer of a module, from the top (0) to the bottom; siblings share a number
LAYERS = [("nianbao.cli", 0), ("nianbao.output", 0), ("nianbao.listing", 0), ("nianbao.pipeline", 0),
          ("nianbao.paths", 0), ("nianbao.__main__", 0), ("nianbao.app", 1), ("nianbao.serve", 1), ("nianbao", 2),
          ("crawler", 3), ("monitor", 3), ("portal", 3), ("db", 4), ("extract", 5), ("config", 6)]
SIBLINGS_INDEPENDENT = {"crawler", "monitor", "portal"}


def layer(module: str) -> tuple[int, str]:
    for prefix, n in LAYERS:
        if module == prefix or module.startswith(prefix + ".") or (prefix == "nianbao.cli" and module.startswith("nianbao.cli")):
            return n, prefix
    raise AssertionError(f"{module} is in no layer")


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            if "migrations" in f.parts:
                continue  # Alembic's env and revisions are loaded by Alembic, not imported
            rel = f.relative_to(ROOT).with_suffix("")
            name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
            out[name] = f
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports (resolved to the longest known module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    skip: set[int] = set()  # imports under `if TYPE_CHECKING:` are for annotations, never executed
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in PACKAGES:
                    add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] not in PACKAGES:
                continue
            for a in node.names:
                full = f"{mod}.{a.name}"
                add(full if full in known else mod)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_no_module_imports_a_layer_above_it() -> None:
    bad = []
    for mod, deps in sorted(graph().items()):
        mine, my_group = layer(mod)
        for dep in sorted(deps):
            theirs, group = layer(dep)
            if theirs < mine:
                bad.append(f"{mod} imports {dep} (a layer above)")
            elif theirs == mine and group != my_group and my_group in SIBLINGS_INDEPENDENT:
                bad.append(f"{mod} imports {dep} (a sibling layer: they must stay independent)")
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    import sys

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            strong(v)
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The scanner finds function-level and relative imports (so the checks above can fail)."""
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from nianbao.cli import main\n    from . import tables\n", encoding="utf-8")
    known = {"nianbao.cli": f, "extract.tables": f, "extract.m": f}
    assert imports("extract.m", f, known) == {"nianbao.cli", "extract.tables"}
