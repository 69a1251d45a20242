"""What Homeroom says about itself names only what it does today.

Polls and digests are planned (questions to liaisons, the FAQ and live chats are
here); each adds its own words to `--help` and the Slack manifest when it lands."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_YET = re.compile(r"\b(polls?|digests?)\b", re.IGNORECASE)


def test_homeroom_help_promises_only_what_exists() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0
    assert "weekly discussion prompts" in result.stdout
    assert NOT_YET.findall(result.stdout) == []


@pytest.mark.parametrize("path", ["adapters/slack/manifest.yaml"])
def test_the_slack_manifest_promises_only_what_exists(path: str) -> None:
    assert NOT_YET.findall((ROOT / path).read_text()) == []
