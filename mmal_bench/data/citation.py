"""The benchmark's one BibTeX source (dataset cards, `mmal-bench cite`, CITATION.cff, the HTML page).

Pure strings in a module of their own, so `cite` starts without importing the data generator.
"""

from __future__ import annotations

from mmal_bench.version import BENCHMARK_VERSION

#: Where the repository lives, e.g. "https://github.com/ORG/mmal-bench". The maintainers fill this in
#: once; the BibTeX of `mmal-bench cite` and of the board then carry it as ``url``, and CITATION.cff's
#: ``repository-code`` must equal it (tests/leaderboard/test_citation.py). Empty: no URL is printed.
REPOSITORY_URL = ""

#: The paper the benchmark rests on (also printed by `mmal-bench cite`).
MIND_THE_GAP_BIBTEX = """@article{eisenhardt2026mind,
  title={Mind the Gap: A Framework for Assessing Pitfalls in Multimodal Active Learning},
  author={Eisenhardt, Dustin and Jeong, Yunhee and Buettner, Florian},
  year={2026},
  eprint={2603.29677},
  archivePrefix={arXiv},
  primaryClass={cs.LG}
}"""


def citation_for(version: str) -> str:
    """The BibTeX of mmal-bench's synthetic datasets at suite ``version``, then the Mind the Gap paper."""
    return (
        "@misc{mmalbench2026,\n"
        "  title={mmal-bench: an open benchmark for multimodal active learning},\n"
        "  author={{mmal-bench contributors}},\n"
        "  year={2026},\n"
        f"  note={{Synthetic pitfall datasets, version {version}}}\n"
        "}\n" + MIND_THE_GAP_BIBTEX
    )


#: The one BibTeX source of the benchmark (dataset cards, `mmal-bench cite`).
MMAL_BENCH_CITATION = citation_for(BENCHMARK_VERSION)
