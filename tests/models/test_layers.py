"""models/ is layered: a file imports only from its own layer or the layers below, and no circle."""

from __future__ import annotations

import ast
from pathlib import Path

MODELS = Path(__file__).resolve().parents[2] / "models"
LAYERS = ["core", "facts", "rules", "views", "commands", "access"]  # bottom first


def imports(root: Path = MODELS) -> dict[str, set[str]]:
    """module -> the models modules it imports (at the top or inside a function)."""
    modules = {".".join(p.relative_to(root.parent).with_suffix("").parts): p
               for p in root.glob("*/*.py") if p.parent.name in LAYERS and p.name != "__init__.py"}
    out: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("models"):
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    found.add(target if target in modules else node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("models"))
        out[name] = {m for m in found if m in modules and m != name}
    return out


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[1])


def test_every_file_of_models_sits_in_a_layer():
    loose = [p.name for p in MODELS.glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"files of models/ outside a layer: {loose}"
    assert set(imports()), "no modules found"


def test_no_import_runs_up_a_layer():
    upward = [f"{a} -> {b}" for a, targets in imports().items() for b in targets if layer(b) > layer(a)]
    assert upward == []


def test_no_circle_inside_models():
    graph = imports()
    state: dict[str, int] = {}  # 1 visiting, 2 done
    circles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert circles == []


def test_the_checker_sees_an_upward_import_and_a_circle(tmp_path):
    """The checks above can fail: a rule that imports a command, and two facts importing each other."""
    files = {"facts/a.py": "from models.facts.b import x\n", "facts/b.py": "def f():\n    from models.facts.a import y\n",
             "rules/r.py": "from models.commands.c import z\n", "commands/c.py": "z = 1\n"}
    for name, text in files.items():
        (tmp_path / "models" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "models" / name).write_text(text)
    graph = imports(tmp_path / "models")
    assert graph["models.rules.r"] == {"models.commands.c"} and layer("models.commands.c") > layer("models.rules.r")
    assert graph["models.facts.a"] == {"models.facts.b"} and graph["models.facts.b"] == {"models.facts.a"}

