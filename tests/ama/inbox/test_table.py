"""ama/inbox/table.py: the AMA's handlers are registered once, by AmaConfig.ready(), in the order the table
lists them, and routing runs them in that order (first result wins)."""

import ast
from pathlib import Path

from ama.inbox import community, table, votes
from federation.routing import handlers_for

INBOX = Path(table.__file__).parent


def activity_of(activity_type: str, object_type: str | None) -> dict:
    return {"type": activity_type, "object": {"type": object_type} if object_type else "https://a.example/x"}


def ama_handlers(activity: dict) -> list:
    return [handler for handler in handlers_for(activity) if handler.__module__.startswith("ama.")]


def test_routing_runs_the_tables_handlers_once_each_in_its_order():
    for activity_type, object_type, _ in table.HANDLERS:
        listed = [h for kind, inner, h in table.HANDLERS if kind == activity_type and inner == object_type]
        generic = [h for kind, inner, h in table.HANDLERS if kind == activity_type and inner is None]
        expected = listed + (generic if object_type else [])
        assert ama_handlers(activity_of(activity_type, object_type)) == expected, (activity_type, object_type)


def test_group_handlers_run_before_the_generic_ones():
    assert handlers_for({"type": "Like", "object": "x"})[0] is community.on_group_like
    assert handlers_for({"type": "Undo", "object": {"type": "Like"}})[:2] == [community.on_group_undo,
                                                                            votes.undo_vote]
    assert votes.on_like in handlers_for({"type": "Like", "object": "x"})


def test_every_handler_is_a_named_function_of_ama_inbox():
    for _, _, handler in table.HANDLERS:
        assert handler.__name__ != "<lambda>" and handler.__module__.startswith("ama.inbox."), handler


def test_no_module_of_ama_inbox_registers_anything_when_imported():
    """Registering is table.register_handlers()'s alone: no decorator, no call at a module's top level."""
    for path in INBOX.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        decorated = [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.decorator_list]
        top_level_calls = [node.lineno for node in tree.body if isinstance(node, ast.Expr)
                           and isinstance(node.value, ast.Call)]
        assert decorated == [] and top_level_calls == [], path.name
