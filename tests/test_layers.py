"""The stages import one way: config -> data -> nets -> train -> report, the bridges and
commands above them, the machinery every stage may use (storage, paths, errors, ...) below.
Read from the source with ast, imports under ``if TYPE_CHECKING:`` left out (they never run)."""
import ast
from pathlib import Path

BPNET = Path(__file__).resolve().parents[1] / "bpnet"
BOTTOM = {"errors", "paths", "version", "memory", "npzfile", "progress", "storage", "workers",
          "arguments"}
STAGES = {"config": 1, "data": 2, "nets": 3, "train": 4, "report": 5}
# the config refuses a name with its key: it reads the registries of network types, transfer
# functions and training rules (with their parameters), which import nothing of the config
REGISTRIES = {"bpnet.nets.registry", "bpnet.nets.transfer", "bpnet.train.rules"}


def _rank(part: str) -> int:
    return 0 if part in BOTTOM else STAGES.get(part, 6)


def _runtime_imports(tree: ast.AST):
    """Every bpnet module a module imports when it runs."""
    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from (m for n in child.orelse for m in walk(n))
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0 \
                    and child.module.split(".")[0] == "bpnet":
                yield from ([child.module] if child.module != "bpnet"
                            else [f"bpnet.{a.name}" for a in child.names])
            elif isinstance(child, ast.Import):
                yield from (a.name for a in child.names if a.name.split(".")[0] == "bpnet")
            else:
                yield from walk(child)
    yield from walk(tree)


def imports() -> list[tuple[str, str, str]]:
    """(importing part, imported part, imported module) between the parts of bpnet: its
    folders and top-level modules."""
    out = []
    for path in BPNET.rglob("*.py"):
        rel = path.relative_to(BPNET).with_suffix("").parts
        part = rel[0]
        for module in _runtime_imports(ast.parse(path.read_text())):
            target = module.split(".")
            if len(target) > 1 and target[1] != part:
                out.append((part, target[1], module))
    return out


def test_no_cycle_between_parts():
    graph: dict[str, set[str]] = {}
    for a, b, _ in imports():
        graph.setdefault(a, set()).add(b)

    def reaches(start, goal, seen):
        return any(n == goal or (n not in seen and not seen.add(n) and reaches(n, goal, seen))
                   for n in graph.get(start, ()))
    cycles = sorted(f"{a} -> {b} -> ... -> {a}" for a in graph for b in graph[a]
                    if reaches(b, a, set()))
    assert not cycles, cycles


def test_no_stage_imports_a_later_one():
    wrong = sorted({f"{a} imports {module}" for a, b, module in imports()
                    if _rank(b) > _rank(a) and module not in REGISTRIES})
    assert not wrong, wrong


def test_the_check_sees_an_import_under_a_function_and_skips_type_checking():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    from bpnet.config import X\ndef f():\n    from bpnet.report import y\n")
    assert list(_runtime_imports(tree)) == ["bpnet.report"]
