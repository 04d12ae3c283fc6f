"""BibTeX for citing leaderboard numbers: the benchmark (version + dataset versions), the Mind the Gap
paper it rests on, and each strategy's own paper (built-in references or a submission's metadata).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import re

from mmal_bench.data.citation import MIND_THE_GAP_BIBTEX, MMAL_BENCH_CITATION
from mmal_bench.errors import ConfigError
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION


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


def benchmark_bibtex(datasets: Mapping[str, str] | None = None, benchmark_version: str = BENCHMARK_VERSION) -> str:
    """The benchmark's BibTeX (`base_entry`) with its version pinned; ``datasets`` (``name@version`` →
    fingerprint) go into the note so a citation pins the exact data the numbers came from."""
    if datasets is None:
        datasets = standard_datasets()
    listed = "; ".join(f"{ref} ({fp.split(':', 1)[-1][:12]})" if fp else ref for ref, fp in sorted(datasets.items()))
    note = f"Benchmark version {benchmark_version}, package {PACKAGE_VERSION}"
    if listed:
        note += f". Datasets (fingerprint prefix): {listed}"
    entry = base_entry()
    head, body = entry.split("\n", 1)
    lines = [
        line.rstrip().rstrip(",")
        for line in body.rstrip().removesuffix("}").splitlines()
        if line.strip() and not re.match(r"\s*(version|note)\s*=", line)
    ]
    lines += [f"  version = {{{benchmark_version}}}", f"  note = {{{note}}}"]
    return head + "\n" + ",\n".join(lines) + "\n}"


def standard_datasets() -> dict[str, str]:
    """``name@version`` → committed manifest fingerprint of every dataset in the standard suite."""
    import json

    from mmal_bench.harness.suites import get_suite
    from mmal_bench.paths import MANIFEST, committed_dataset_dir

    out = {}
    for name, version in get_suite("standard").dataset_refs():
        # Read the manifest directly: `data.hub` imports `datasets` (~1 s), and `cite` must start fast.
        path = committed_dataset_dir(name, version) / MANIFEST
        out[f"{name}@{version}"] = str(json.loads(path.read_text())["fingerprint"]) if path.is_file() else ""
    return out


def strategy_bibtex(name: str, catalog: Mapping[str, StrategyInfo]) -> str:
    """The strategy's own BibTeX; a strategy with no paper of its own (e.g. ``random``, or one
    introduced by this benchmark) returns ``""``. Unknown names raise a one-line `ConfigError`."""
    info = catalog.get(name)
    if info is None:
        raise ConfigError(f"unknown strategy {name!r}; choose from: {', '.join(sorted(catalog))}")
    return (info.bibtex or BUILTIN_REFERENCES.get(name, "")).strip()


def citation_text(strategies: Sequence[str] = (), catalog: Mapping[str, StrategyInfo] | None = None, datasets: Mapping[str, str] | None = None) -> str:
    """Everything to cite for numbers of ``strategies``: benchmark, Mind the Gap, then each strategy's paper."""
    parts = [
        "% mmal-bench (cite the benchmark version and dataset versions your numbers come from)",
        benchmark_bibtex(datasets),
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
