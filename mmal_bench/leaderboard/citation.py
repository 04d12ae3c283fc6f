"""BibTeX for citing leaderboard numbers: the benchmark pinned to a result set (version, suite,
instance, signing key, the sha256 of the result files), the Mind the Gap paper it rests on, and each
strategy's own paper (built-in references or a submission's metadata).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mmal_bench.data.citation import MIND_THE_GAP_BIBTEX, MMAL_BENCH_CITATION, REPOSITORY_URL
from mmal_bench.errors import ConfigError
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.version import BENCHMARK_VERSION

if TYPE_CHECKING:  # `cite` must start fast: the result schema (pydantic) is needed only by the board
    from mmal_bench.harness.results import CellResult


#: Papers of the built-in strategies (used when a strategy class carries no ``bibtex`` of its own).
BUILTIN_REFERENCES: dict[str, str] = {
    "least-confidence": """@inproceedings{lewis1994sequential,
  title = {A Sequential Algorithm for Training Text Classifiers},
  author = {Lewis, David D. and Gale, William A.},
  booktitle = {Proceedings of SIGIR},
  pages = {3--12},
  year = {1994}
}""",
    "entropy": """@article{shannon1948mathematical,
  title = {A Mathematical Theory of Communication},
  author = {Shannon, Claude E.},
  journal = {Bell System Technical Journal},
  volume = {27},
  number = {3},
  pages = {379--423},
  year = {1948}
}""",
    "margin": """@inproceedings{scheffer2001active,
  title = {Active Hidden Markov Models for Information Extraction},
  author = {Scheffer, Tobias and Decomain, Christian and Wrobel, Stefan},
  booktitle = {Advances in Intelligent Data Analysis (IDA)},
  pages = {309--318},
  year = {2001}
}""",
    "bald": """@inproceedings{gal2017deep,
  title = {Deep {Bayesian} Active Learning with Image Data},
  author = {Gal, Yarin and Islam, Riashat and Ghahramani, Zoubin},
  booktitle = {Proceedings of the 34th International Conference on Machine Learning (ICML)},
  pages = {1183--1192},
  year = {2017}
}""",
    "coreset": """@inproceedings{sener2018active,
  title = {Active Learning for Convolutional Neural Networks: A Core-Set Approach},
  author = {Sener, Ozan and Savarese, Silvio},
  booktitle = {International Conference on Learning Representations (ICLR)},
  year = {2018}
}""",
    "badge": """@inproceedings{ash2020deep,
  title = {Deep Batch Active Learning by Diverse, Uncertain Gradient Lower Bounds},
  author = {Ash, Jordan T. and Zhang, Chicheng and Krishnamurthy, Akshay and Langford, John and Agarwal, Alekh},
  booktitle = {International Conference on Learning Representations (ICLR)},
  year = {2020}
}""",
    "bmmal": """@inproceedings{shen2023towards,
  title = {Towards Balanced Active Learning for Multimodal Classification},
  author = {Shen, Meng and Huang, Yizheng and Yin, Jianxiong and Zou, Heqing and Rajan, Deepu and See, Simon},
  booktitle = {Proceedings of the 31st ACM International Conference on Multimedia},
  pages = {3434--3445},
  year = {2023}
}""",
}


def base_entry() -> str:
    """The benchmark's own BibTeX entry, defined once in `mmal_bench.data.suite.MMAL_BENCH_CITATION`
    (its first entry; the dataset cards, ``cite``, CITATION.cff and the HTML page all derive from it)."""
    return MMAL_BENCH_CITATION.strip().split("\n@", 1)[0].strip()


def bibtex_fields(entry: str) -> dict[str, str]:
    """``{"key": ..., "title": ..., ...}`` of a BibTeX entry whose fields are one line each."""
    fields = {"key": entry.split("{", 1)[1].split(",", 1)[0].strip()}
    for name, value in re.findall(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$", entry, flags=re.MULTILINE):
        fields[name.lower()] = value
    return fields


@dataclass(frozen=True)
class ResultSet:
    """What a cited leaderboard number comes from: one benchmark version and suite, the dataset
    instances scored (0 public, n hidden), the maintainers' keys that signed them, and the sha256 of
    the whole set of result files (`result_set_hash`). The board's Cite block and ``mmal-bench cite``
    both print it through `benchmark_bibtex`, so the two entries agree."""

    benchmark_version: str
    suite: str
    datasets: tuple[str, ...]
    instances: tuple[int, ...]
    signers: tuple[str, ...]
    results_hash: str
    n_results: int

    def describe(self) -> str:
        """One sentence for the BibTeX note: suite, instance, signer, result set."""
        hidden = [i for i in self.instances if i]
        if not hidden:
            instance = "public instance (0) of every dataset"
        else:
            instance = f"hidden instance {', '.join(map(str, hidden))} of the synthetic datasets" + (" (public instance of the others)" if 0 in self.instances else "")
        signed = f"signed by maintainers' key {', '.join(self.signers)}" if self.signers else "unsigned"
        return (
            f"Benchmark version {self.benchmark_version}, suite {self.suite}, {instance}, {signed}; "
            f"result set {self.results_hash} ({self.n_results} result files); datasets {', '.join(self.datasets)}"
        )


def result_set_hash(results: Iterable[CellResult]) -> str:
    """sha256 over the sorted ``<cell path> <content hash>`` lines of ``results``: one id for a whole
    release (a changed, added or removed file changes it), computed from verified files alone."""
    lines = sorted(f"{r.key.relative_path().as_posix()} {r.content_hash}\n" for r in results)
    return "sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest()


def result_set(results: Sequence[CellResult], suite: str, benchmark_version: str, signed: Sequence[bool] = ()) -> ResultSet:
    """The `ResultSet` of verified ``results`` (``signed[i]``: whether result i's signature verified
    against a trusted key; a signature that did not verify names no signer)."""
    verified = signed if signed else [False] * len(results)
    return ResultSet(
        benchmark_version=benchmark_version,
        suite=suite,
        datasets=tuple(sorted({f"{r.provenance.dataset}@{r.provenance.dataset_version}" for r in results})),
        instances=tuple(sorted({r.provenance.instance or 0 for r in results})),
        signers=tuple(sorted({r.provenance.signed_by for r, ok in zip(results, verified, strict=True) if ok and r.provenance.signed_by})),
        results_hash=result_set_hash(results),
        n_results=len(results),
    )


#: The published releases' result sets: what ``mmal-bench cite`` pins by default (a wheel carries no
#: result files). tests/leaderboard/test_citation.py recomputes each from ``leaderboard/results/<version>/``.
RELEASES: dict[str, ResultSet] = {
    "2.0.0": ResultSet(
        benchmark_version="2.0.0",
        suite="standard",
        datasets=tuple(
            f"{name}@2.0.0"
            for name in (
                "balanced", "corrupted-modality", "difficulty-gap", "information-gap", "missing-mcar",
                "missing-mnar", "noisy-labels", "redundant", "synergy", "unique",
            )
        ),  # fmt: skip
        instances=(1,),
        signers=("01b9218d74799d59",),
        results_hash="sha256:4ed1798f63d76d1db0717302138a2c9ca325a4d9d5cc92e701b7e570d57962ab",
        n_results=9860,
    ),
    "3.0.0": ResultSet(
        benchmark_version="3.0.0",
        suite="standard",
        datasets=tuple(
            sorted(
                f"{name}@3.0.0"
                for name in (
                    *(f"{family}-v{k}" for family, ks in (
                        ("balanced", (1, 2)), ("redundant", (1, 2)), ("unique", (1, 2)), ("synergy", (1, 3)), ("difficulty-gap", (1, 2)),
                        ("information-gap", (1, 4)), ("missing-mcar", (1, 2)), ("missing-mnar", (1, 3)), ("corrupted-modality", (1, 2)),
                        ("noisy-labels", (1, 2)), ("many-modalities", (1, 2)), ("long-tail", (1, 2)), ("class-selective", (1, 2)),
                        ("mixed-interaction", (1, 3)), ("annotator-noise", (1, 2)), ("heteroscedastic", (1, 2)), ("shifted-test", (1, 2)),
                    ) for k in ks),
                    "mfeat-six", "mfeat-fac-mor", "mfeat-kar-pix", "mfeat-fou-zer", "mfeat-zer-mor", "mnist-mv-01", "mnist-mv-23", "mnist-mv-03",
                    *(f"real-{pitfall}-{source}" for pitfall in ("mcar", "mnar", "corrupted", "noisy-labels", "degraded") for source in ("mfeat", "mnist")),
                )
            )
        ),  # fmt: skip
        instances=(0, 1),
        signers=("cb6c08fdfe12a92d",),
        results_hash="sha256:7211898a48b4837818c7d4d21bef1e07378f8c4936aeffc0e60b52dbe2a764d2",
        n_results=8840,
    ),
}


def benchmark_bibtex(results: ResultSet | None = None) -> str:
    """The benchmark's BibTeX (`base_entry`) pinned to the result set the numbers come from: by default
    the current release's (`RELEASES`); a board passes its own. The repository's `REPOSITORY_URL`
    goes into ``url`` once the maintainers have set it."""
    if results is None:
        results = RELEASES.get(BENCHMARK_VERSION)
    version = results.benchmark_version if results is not None else BENCHMARK_VERSION
    note = results.describe() if results is not None else f"Benchmark version {version} (no published result set)"
    entry = base_entry()
    head, body = entry.split("\n", 1)
    lines = [
        line.rstrip().rstrip(",")
        for line in body.rstrip().removesuffix("}").splitlines()
        if line.strip() and not re.match(r"\s*(version|note|url)\s*=", line)
    ]
    lines += [f"  version = {{{version}}}", f"  note = {{{note}}}"]
    if REPOSITORY_URL:
        lines.append(f"  url = {{{REPOSITORY_URL}}}")
    return head + "\n" + ",\n".join(lines) + "\n}"


def strategy_bibtex(name: str, catalog: Mapping[str, StrategyInfo]) -> str:
    """The strategy's own BibTeX; a strategy with no paper of its own (e.g. ``random``, or one
    introduced by this benchmark) returns ``""``. Unknown names raise a one-line `ConfigError`."""
    info = catalog.get(name)
    if info is None:
        raise ConfigError(f"unknown strategy {name!r}; choose from: {', '.join(sorted(catalog))}")
    return (info.bibtex or BUILTIN_REFERENCES.get(name, "")).strip()


def citation_text(strategies: Sequence[str] = (), catalog: Mapping[str, StrategyInfo] | None = None, results: ResultSet | None = None) -> str:
    """Everything to cite for numbers of ``strategies``: the benchmark pinned to ``results`` (default:
    the current release's), Mind the Gap, then each strategy's paper."""
    parts = [
        "% mmal-bench (pinned to the benchmark version, suite, instance, signing key and result set your numbers come from)",
        benchmark_bibtex(results),
        "",
        "% The framework mmal-bench implements",
        MIND_THE_GAP_BIBTEX,
    ]
    if strategies:
        from mmal_bench.leaderboard.catalog import builtin_catalog

        catalog = builtin_catalog() if catalog is None else catalog
        for name in strategies:
            entry = strategy_bibtex(name, catalog)
            parts += ["", f"% Strategy {name!r}"]
            parts.append(entry if entry else f"% {name!r} has no paper of its own; cite the benchmark above.")
    return "\n".join(parts) + "\n"
