"""Dates a member reads go through Babel in their language ("5 December", "5 de
diciembre"), never ISO: no message (`t._`, `ngettext`, `CommandError`) is filled with a
`.isoformat()` value, except where the value is the form a member types."""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
# (file, value name): the format a member is asked to type, so shown as typed.
TYPED = {
    ("bot/commands.py", "first"),  # "Use a date from 2000-01-01 to 2099-12-31"
    ("bot/commands.py", "last"),
    ("bot/features/office_hours/commands.py", "example"),  # "like 2026-12-07"
}
MESSAGES = {"_", "ngettext", "CommandError"}


def _is_message(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in MESSAGES


def _iso_values(call: ast.Call) -> list[str]:
    """The names of the values of this message made with `.isoformat()`."""
    named: list[tuple[str, ast.AST]] = [(k.arg or "", k.value) for k in call.keywords]
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            named += [
                (key.value if isinstance(key, ast.Constant) else "", value)
                for key, value in zip(arg.keys, arg.values, strict=True)
                if key is not None
            ]
    return [
        name
        for name, value in named
        if any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "isoformat"
            for node in ast.walk(value)
        )
    ]


def iso_dates_in_messages(root: Path = BOT) -> list[tuple[str, str]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        where = str(path.relative_to(root.parent))
        for node in ast.walk(ast.parse(path.read_text(), filename=where)):
            if isinstance(node, ast.Call) and _is_message(node):
                found += [(where, name) for name in _iso_values(node)]
    return found


def test_no_message_shows_an_iso_date() -> None:
    assert [found for found in iso_dates_in_messages() if found not in TYPED] == []


def test_the_scan_sees_iso_dates_in_messages(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "x.py").write_text(
        "t._('On {day}', day=day.isoformat())\n"
        "raise CommandError(N_('{a} {b}'), {'a': t.day(d), 'b': str(d.isoformat())})\n"
        "t._('On {day}', day=t.day(d))\n"
    )
    assert iso_dates_in_messages(tmp_path / "bot") == [("bot/x.py", "day"), ("bot/x.py", "b")]
