"""Submissions as leaderboard catalog entries: metadata, current source hash, folder, citation.

The leaderboard stage cannot import this package (it sits later in the flow), so callers merge
`full_catalog` (every valid folder: a user's own board) or `published_catalog` (the accepted
submissions listed in ``submissions/ACCEPTED``: the published board, the tests and the wheel) and
pass it to `build_leaderboard`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mmal_bench.errors import SubmissionError
from mmal_bench.leaderboard.catalog import StrategyInfo, builtin_catalog
from mmal_bench.paths import REPO_ROOT
from mmal_bench.submissions.metadata import METADATA_FILE, STRATEGY_FILE, SubmissionMetadata, load_metadata

#: Where the repository keeps submissions (``submissions/<slug>/``).
DEFAULT_SUBMISSIONS = REPO_ROOT / "submissions"
#: File in the submissions folder listing the accepted submissions, one slug per line (``#`` comments).
#: Only these are on the published leaderboard and in the wheel: a folder someone just added is checked
#: by ``mmal-bench submit``, never by the test suite. (setup.py reads the same file.)
ACCEPTED_FILE = "ACCEPTED"


def source_hash(folder: Path) -> str:
    """sha256 of ``strategy.py``: the hash the harness stamps on the submission's results."""
    return "sha256:" + hashlib.sha256((Path(folder) / STRATEGY_FILE).read_bytes()).hexdigest()


def submission_info(folder: Path, meta: SubmissionMetadata) -> StrategyInfo:
    return StrategyInfo(
        name=meta.slug,
        modality=meta.modality,
        source_hash=source_hash(folder),
        kind="submission",
        title=meta.name,
        bibtex=meta.bibtex,
        paper_url=meta.paper_url,
        folder=Path(folder).resolve(),
    )


def submission_folders(root: Path = DEFAULT_SUBMISSIONS) -> list[Path]:
    """Every ``root/<slug>/`` with a ``submission.yaml`` (``_template`` and hidden folders skipped), sorted."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")) and (p / METADATA_FILE).is_file())


def submission_catalog(root: Path = DEFAULT_SUBMISSIONS, *, strict: bool = False) -> dict[str, StrategyInfo]:
    """Catalog entries of every valid submission under ``root``.

    A malformed folder is skipped (``strict=False``: the leaderboard then refuses its results as
    unverifiable) or raises its one-line `SubmissionError` (``strict=True``).
    """
    reserved = set(builtin_catalog())
    out = {}
    for folder in submission_folders(root):
        try:
            meta = load_metadata(folder, reserved)
        except SubmissionError:
            if strict:
                raise
            continue
        out[meta.slug] = submission_info(folder, meta)
    return out


def full_catalog(root: Path = DEFAULT_SUBMISSIONS) -> dict[str, StrategyInfo]:
    """Built-in strategies plus every valid submission under ``root``."""
    return {**builtin_catalog(), **submission_catalog(root)}


def accepted_slugs(root: Path = DEFAULT_SUBMISSIONS) -> list[str]:
    """The slugs ``root/ACCEPTED`` lists, in file order (none when the file is absent)."""
    path = Path(root) / ACCEPTED_FILE
    if not path.is_file():
        return []
    return [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines() if line.split("#", 1)[0].strip()]


def published_catalog(root: Path = DEFAULT_SUBMISSIONS) -> dict[str, StrategyInfo]:
    """Built-in strategies plus the accepted submissions (`accepted_slugs`): what the published
    leaderboard holds. Other folders under ``root`` are ignored, so adding one changes nothing here;
    an accepted folder that is missing or invalid is its one-line `SubmissionError`."""
    root = Path(root)
    reserved = set(builtin_catalog())
    out = builtin_catalog()
    for slug in accepted_slugs(root):
        folder = root / slug
        if not (folder / METADATA_FILE).is_file():
            raise SubmissionError(f"{root / ACCEPTED_FILE} lists {slug!r} but {folder / METADATA_FILE} does not exist; remove the line or restore the folder")
        meta = load_metadata(folder, reserved)
        out[meta.slug] = submission_info(folder, meta)
    return out
