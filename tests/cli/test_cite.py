"""``mmal-bench cite``: benchmark + Mind the Gap BibTeX, plus each named strategy's own entry."""

from __future__ import annotations

from mmal_bench.cli import main
from mmal_bench.version import BENCHMARK_VERSION


def test_cite_benchmark(capsys) -> None:
    assert main(["cite"]) == 0
    out = capsys.readouterr().out
    assert "@misc{mmalbench" in out and f"version = {{{BENCHMARK_VERSION}}}" in out
    assert "@article{eisenhardt2026mind" in out and "redundant@2.0.0" in out


def test_cite_submission_and_builtin(capsys) -> None:
    assert main(["cite", "information-density", "bmmal"]) == 0
    out = capsys.readouterr().out
    assert "@inproceedings{settles2008analysis" in out and "@inproceedings{shen2023towards" in out


def test_cite_unknown_strategy(capsys) -> None:
    assert main(["cite", "no-such-strategy"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown strategy 'no-such-strategy'; choose from: ") and "information-density" in err
