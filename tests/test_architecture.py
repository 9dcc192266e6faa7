"""Guard rails for the layout (DESIGN.md §3): `federation/` never imports `ama`, no import circles
(imports inside functions count), only `ama/activitypub/` and `ama/inbox/` publish, settings are read in
config/env.py alone, and the hand-written SQL follows the models. Imports are read from the source with `ast`, so nothing here depends on import order."""

import ast
import sys
from pathlib import Path

from django.db import models
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_files(*packages: str) -> dict[str, Path]:
    """{module name: file} for every .py under the packages (migrations included: they import too)."""
    return {module_name(path): path for package in packages for path in sorted((ROOT / package).rglob("*.py"))}


def imports_of(path: Path) -> list[tuple[str, list[str], int]]:
    """Every import statement anywhere in the file (function bodies included) as (module, names, line):
    `import a.b` is ("a.b", [], n), `from ..a import b, c` is ("<resolved>.a", ["b", "c"], n)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            parts = package[:len(package) - node.level + 1] if node.level else []
            base = ".".join([*parts, *([node.module] if node.module else [])])
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, dict[str, int]]:
    """{module: {imported module among `modules`: line of the first such import}}. `from p import x` names
    the module p.x when there is one, else p itself."""
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, {})
        for base, names, line in imports_of(path):
            submodules = [f"{base}.{alias}" for alias in names if f"{base}.{alias}" in modules]
            targets = submodules + ([base] if len(submodules) < len(names) or not names else [])
            for target in targets:
                if target in modules and target != name:
                    edges.setdefault(target, line)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative); components of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(graph[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = set(component)
    edges = [f"  {name} → {target} (line {line})" for name in component
             for target, line in sorted(graph[name].items()) if target in members]
    return "import circle among " + ", ".join(component) + ":\n" + "\n".join(edges)


def cycles_in(package: str) -> list[str]:
    """The circles that involve a module of `package`, read over the graph of ama/ and federation/ together."""
    graph = import_graph(package_files("ama", "federation"))
    return [describe(component, graph) for component in strongly_connected(graph)
            if any(name.split(".")[0] == package for name in component)]


def test_federation_never_imports_ama():
    offenders = [f"{path.relative_to(ROOT)}:{line} imports {base}"
                 for path in package_files("federation").values()
                 for base, _, line in imports_of(path) if base.split(".")[0] == "ama"]
    assert offenders == [], "federation/ knows nothing of AMAs:\n" + "\n".join(offenders)


def test_no_import_circle_in_federation():
    found = cycles_in("federation")
    assert found == [], "\n".join(found)


def test_no_import_circle_in_ama():
    found = cycles_in("ama")
    assert found == [], "\n".join(found)


def test_only_the_activitypub_doors_of_ama_publish():
    doors = ("ama.activitypub", "ama.inbox")
    offenders = [f"{path.relative_to(ROOT)}:{line}" for name, path in package_files("ama").items()
                 if not name.startswith(doors)
                 for base, names, line in imports_of(path)
                 if base == "federation.outbox" or base == "federation" and "outbox" in names]
    assert offenders == [], "ama/ reaches federation.outbox only through ama/activitypub/:\n" + "\n".join(offenders)


def environment_reads(path: Path) -> list[int]:
    """Lines that read the process environment (os.environ, os.getenv, `from os import environ`), except
    `os.environ.setdefault("DJANGO_SETTINGS_MODULE", …)`, which entry points must do before Django starts."""
    tree = ast.parse(path.read_text(), str(path))
    allowed = {id(node.func.value) for node in ast.walk(tree)
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr == "setdefault" and node.args
               and isinstance(node.args[0], ast.Constant) and node.args[0].value == "DJANGO_SETTINGS_MODULE"}
    lines = [node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv", "putenv")
             and isinstance(node.value, ast.Name) and node.value.id == "os" and id(node) not in allowed]
    lines += [node.lineno for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "os"
              and {alias.name for alias in node.names} & {"environ", "environb", "getenv"}]
    return sorted(lines)


def test_settings_are_read_from_the_environment_in_config_env_alone():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in package_files("config", "federation", "ama").values()
                 if path != ROOT / "config" / "env.py" for line in environment_reads(path)]
    assert offenders == [], "read the variable in config/env.py (and document it in README):\n" + "\n".join(offenders)


def test_every_test_module_has_its_own_name():
    """tests/ has no __init__.py: pytest imports each test file by its base name, so two files of one name in
    two folders fail the whole collection ("import file mismatch")."""
    names: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        names.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}


def test_the_import_reader_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    """The guard rails above are only as good as this reader."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from . import b\n    from .c import thing\n")
    (package / "b.py").write_text("import pkg.a\n")
    (package / "c.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    modules = {module_name(path): path for path in package.glob("*.py")}
    graph = import_graph(modules)
    assert graph["pkg.a"] == {"pkg.b": 2, "pkg.c": 3} and graph["pkg.b"] == {"pkg.a": 1}
    assert strongly_connected(graph) == [["pkg.a", "pkg.b"]]


# ---- hand-written SQL follows the models -------------------------------------------------------------
# The inbox's INSERT (federation.inbox), the deliveries' INSERT … SELECT (federation.outbox.INSERTED_COLUMNS)
# and the claim's UPDATE … RETURNING (federation.delivery_batch) name columns by hand. Each field a statement
# leaves out is named here, once, with why; a field added to or renamed in the model fails these tests until
# the statement (or this list) follows.
LEFT_OUT = {
    # the inbox INSERT writes every column; these take the model's default, prepared once per process
    "inbox": {"id", "state", "attempts", "lease_until", "next_attempt_at", "result", "error", "received_at",
              "processed_at"},
    # the deliveries INSERT leaves these to the database: NULL until an attempt or a success sets them
    "outbox": {"id", "last_status", "delivered_at"},
}


def concrete_columns(model) -> set[str]:
    return {field.column for field in model._meta.concrete_fields}


def test_the_inbox_insert_names_every_field_of_inbox_message():
    from federation import inbox
    from federation.models import InboxMessage

    fields = {field.name for field in InboxMessage._meta.concrete_fields}
    assert inbox._PER_ROW <= fields, f"inbox._PER_ROW names no field: {inbox._PER_ROW - fields}"
    assert fields == inbox._PER_ROW | LEFT_OUT["inbox"], (
        f"InboxMessage fields the inbox INSERT has not decided on: {fields - inbox._PER_ROW - LEFT_OUT['inbox']}")
    for name in LEFT_OUT["inbox"] - {"id"}:
        field = InboxMessage._meta.get_field(name)
        assert field.get_default() is not None or field.null, f"InboxMessage.{name} has no default to take"


def test_the_deliveries_insert_names_every_column_of_delivery():
    from federation import outbox
    from federation.models import Delivery

    columns = concrete_columns(Delivery)
    assert set(outbox.INSERTED_COLUMNS) <= columns, f"not columns: {set(outbox.INSERTED_COLUMNS) - columns}"
    assert columns == set(outbox.INSERTED_COLUMNS) | LEFT_OUT["outbox"], (
        f"Delivery columns the INSERT has not decided on: {columns - set(outbox.INSERTED_COLUMNS) - LEFT_OUT['outbox']}")
    for name in LEFT_OUT["outbox"] - {"id"}:
        field = next(field for field in Delivery._meta.concrete_fields if field.column == name)
        assert field.null or field.db_default is not models.NOT_PROVIDED, f"the database has no value for {name}"


def test_the_claim_returns_columns_of_delivery():
    from federation import delivery_batch
    from federation.models import Delivery

    attnames = {field.attname for field in Delivery._meta.concrete_fields}
    assert set(delivery_batch.CLAIMED_COLUMNS) <= attnames, set(delivery_batch.CLAIMED_COLUMNS) - attnames


def test_update_returning_changes_the_rows_and_returns_them(host, django_capture_on_commit_callbacks):
    """federation.delivery_batch builds its UPDATE … RETURNING from Django's private UpdateQuery: this fails
    if a Django upgrade changes what that compiles to."""
    from django.db.models import F

    from federation import outbox
    from federation.delivery_batch import update_returning
    from federation.models import Delivery

    activity = {"id": "http://testserver/activities/guard", "type": "Note", "actor": host.ap_id}
    with django_capture_on_commit_callbacks(execute=False):
        outbox.publish(activity, sender=host, recipients=[], public=True)
        stored = outbox.OutboxActivity.objects.get(ap_id=activity["id"])
        outbox._insert_deliveries([(stored.pk, "https://a.example/inbox"), (stored.pk, "https://b.example/inbox")],
                                  now=timezone.now(), marker=None)
    rows = Delivery.objects.filter(inbox="https://a.example/inbox")
    returned = update_returning(rows, ("id", "attempts", "domain"), attempts=F("attempts") + 2, last_error="x")
    changed = Delivery.objects.get(inbox="https://a.example/inbox")
    assert returned == [(changed.pk, 2, "a.example")] and changed.last_error == "x"
    assert Delivery.objects.get(inbox="https://b.example/inbox").attempts == 0
