"""The Python API: `mmal_bench.evaluate` runs a strategy object through the harness and returns a
DataFrame; `mmal_bench.leaderboard` scores it; the example script works; `import mmal_bench` stays light."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from suite_factory import tiny_suite as _tiny_suite

import mmal_bench
from mmal_bench.errors import ConfigError, StrategyError
from mmal_bench.paths import REPO_ROOT


@pytest.fixture
def tiny_suite(monkeypatch, tmp_path):
    monkeypatch.setenv("MMAL_BENCH_HOME", str(tmp_path / "home"))
    yield from _tiny_suite(monkeypatch)


class LowestId(mmal_bench.Strategy):
    name = "api-lowest-id"

    def select(self, view, model, batch_size, rng):
        return np.sort(view.unlabeled_ids)[:batch_size]


class Broken(mmal_bench.Strategy):
    name = "api-broken"

    def select(self, view, model, batch_size, rng):
        return view.unlabeled_ids[:1]  # one id where batch_size are due


def test_evaluate_returns_one_row_per_cell_and_is_deterministic(tiny_suite, tmp_path: Path) -> None:
    frame = mmal_bench.evaluate(LowestId, suite="clitest", out=tmp_path / "a")
    assert len(frame) == 4 and set(frame["strategy"]) == {"api-lowest-id", "random"}
    assert {"strategy", "dataset", "regime", "seed", "aubc", "final_accuracy"} <= set(frame.columns)
    assert frame["aubc"].between(0, 1).all() and (frame["final_labels"] == 18).all()
    again = mmal_bench.evaluate(LowestId(), suite="clitest", seeds=[0, 1], out=tmp_path / "b")
    assert np.array_equal(frame["aubc"].to_numpy(), again["aubc"].to_numpy())
    board = mmal_bench.leaderboard(frame)
    assert set(board.index if board.index.name == "strategy" else board["strategy"]) == {"api-lowest-id", "random"}
    assert "scoreboard" in board.attrs


def test_evaluate_reports_a_broken_strategy_in_one_line(tiny_suite, tmp_path: Path) -> None:
    with pytest.raises(StrategyError, match="api-broken"):
        mmal_bench.evaluate(Broken, suite="clitest", seeds=[0], baselines=(), out=tmp_path)
    with pytest.raises(ConfigError, match="not a mmal_bench.strategies.Strategy"):
        mmal_bench.evaluate(object(), suite="clitest", out=tmp_path)


def test_example_script_runs_on_a_tiny_slice(tiny_suite, tmp_path: Path, capsys) -> None:
    path = REPO_ROOT / "examples" / "evaluate_custom_strategy.py"
    spec = importlib.util.spec_from_file_location("evaluate_custom_strategy", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # so the strategy's source file (hashed by the harness) is found
    try:
        spec.loader.exec_module(module)
        module.main(["--suite", "clitest", "--datasets", "cli-tiny", "--seeds", "0", "--out", str(tmp_path)])
    finally:
        del sys.modules[spec.name]
    out = capsys.readouterr().out
    assert "example-fused-margin" in out and "random" in out and "aubc" in out


def test_public_api_is_listed_documented_and_lazy() -> None:
    for name in ("load_dataset", "check_strategy", "evaluate", "leaderboard", "Strategy", "PoolView"):
        assert name in mmal_bench.__all__ and name in dir(mmal_bench)
    for name in mmal_bench.__all__:
        assert name.isupper() or name.startswith("__") or (getattr(mmal_bench, name).__doc__ or "").strip(), name
    for api in (mmal_bench.evaluate, mmal_bench.api.leaderboard):
        assert "Parameters\n    ----------" in api.__doc__ and "Returns\n    -------" in api.__doc__
    probe = "import sys, mmal_bench; mmal_bench.evaluate; dir(mmal_bench); print(sorted({'torch', 'datasets'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "[]"
