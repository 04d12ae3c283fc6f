"""Which submissions count: every valid folder for a user's own board, only the accepted ones (listed in
``submissions/ACCEPTED``) for the published board, the tests and the wheel."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from submission_factory import make_submission

from mmal_bench.errors import SubmissionError
from mmal_bench.leaderboard.catalog import builtin_catalog
from mmal_bench.paths import REPO_ROOT
from mmal_bench.submissions.catalog import ACCEPTED_FILE, accepted_slugs, full_catalog, published_catalog


def _root_with_new_folders(tmp_path: Path) -> Path:
    """A copy of the repository's submissions/ plus what a user adds: a finished folder and a broken one."""
    root = tmp_path / "submissions"
    shutil.copytree(REPO_ROOT / "submissions", root)
    make_submission(root, "my-new-strategy")
    (root / "half-done").mkdir()
    (root / "half-done" / "submission.yaml").write_text("slug: [not, a, slug]\n")
    return root


def test_a_new_folder_changes_the_users_catalog_but_not_the_published_one(tmp_path: Path) -> None:
    root = _root_with_new_folders(tmp_path)
    published = published_catalog(root)
    assert set(published) == set(published_catalog(REPO_ROOT / "submissions"))
    assert set(published) == set(builtin_catalog()) | set(accepted_slugs(root))
    assert "my-new-strategy" in full_catalog(root) and "my-new-strategy" not in published
    assert "half-done" not in full_catalog(root)


def test_every_accepted_submission_of_the_repository_is_valid() -> None:
    slugs = accepted_slugs(REPO_ROOT / "submissions")
    assert slugs == ["information-density"]
    catalog = published_catalog(REPO_ROOT / "submissions")
    assert all(catalog[s].folder == (REPO_ROOT / "submissions" / s).resolve() for s in slugs)


def test_an_accepted_slug_without_its_folder_is_one_line(tmp_path: Path) -> None:
    root = tmp_path / "submissions"
    root.mkdir()
    (root / ACCEPTED_FILE).write_text("# comment\ngone  # scored once\n")
    assert accepted_slugs(root) == ["gone"]
    with pytest.raises(SubmissionError, match=r"lists 'gone' but .*submission.yaml does not exist") as info:
        published_catalog(root)
    assert "\n" not in str(info.value)


def test_the_wheel_packs_only_the_accepted_submissions_and_the_template(tmp_path: Path) -> None:
    """setup.py's copy filter, run on a submissions/ holding a finished and a broken new folder."""
    spec = importlib.util.spec_from_file_location("mmal_setup", REPO_ROOT / "setup.py")
    setup_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup_py)  # not __main__: defines the build hook without building
    assert setup_py.ACCEPTED_FILE == ACCEPTED_FILE
    root = _root_with_new_folders(tmp_path)
    shipped = tmp_path / "shipped"
    shutil.copytree(root, shipped, ignore=setup_py.accepted_only)
    folders = sorted(p.name for p in shipped.iterdir() if p.is_dir())
    assert folders == sorted(["_template", *accepted_slugs(root)])
    assert (shipped / ACCEPTED_FILE).is_file() and (shipped / "README.md").is_file()
