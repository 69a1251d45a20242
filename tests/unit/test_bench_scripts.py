"""The benchmark scripts are not run by the suite (they take minutes), but they must
still import: a moved function once broke `bench/fanout.py` without any test noticing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("[!_]*.py")))
def test_a_benchmark_script_imports(script: str) -> None:
    spec = importlib.util.spec_from_file_location(f"bench_{script[:-3]}", BENCH / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import does: a dataclass looks its module up
    spec.loader.exec_module(module)  # defines its functions; runs nothing under __main__
