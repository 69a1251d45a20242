"""The core never imports a platform library: adapters translate, the core decides."""

import ast
from pathlib import Path

PLATFORM_LIBRARIES = {"discord", "slack_bolt", "slack_sdk", "aiohttp"}
BOT = Path(__file__).resolve().parents[2] / "bot"


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_bot_imports_no_platform_library() -> None:
    offenders = {
        str(path.relative_to(BOT.parent)): sorted(_imported_roots(path) & PLATFORM_LIBRARIES)
        for path in BOT.rglob("*.py")
    }
    assert {path: libs for path, libs in offenders.items() if libs} == {}


def test_bot_does_not_import_adapters() -> None:
    offenders = [str(p) for p in BOT.rglob("*.py") if "adapters" in _imported_roots(p)]
    assert offenders == []


def test_the_scan_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import discord.ext\nfrom slack_bolt.async_app import AsyncApp\n")
    assert _imported_roots(sample) == {"discord", "slack_bolt"}
