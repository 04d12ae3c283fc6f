"""The ``submission.yaml`` schema: who wrote a strategy, what it is, how to cite it.

Validated once at the boundary (pydantic); every problem becomes one `SubmissionError` line naming the
file, the field and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mmal_bench.errors import SubmissionError

METADATA_FILE = "submission.yaml"
STRATEGY_FILE = "strategy.py"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$")
#: Entry types a paper can have; ``@preamble``, ``@string`` and ``@comment`` (TeX code, macros, hidden
#: text that `cite` and the HTML page would print) are not among them.
BIBTEX_TYPES = frozenset(
    {"article", "book", "booklet", "conference", "inbook", "incollection", "inproceedings", "manual", "mastersthesis",
     "misc", "online", "phdthesis", "proceedings", "techreport", "unpublished"}
)  # fmt: skip
#: TeX commands that act beyond typesetting (shell escape, file I/O, category codes, definitions).
_TEX_DANGER = re.compile(
    r"\\(write|immediate|input|include|openin|openout|read|catcode|def|edef|gdef|xdef|let|csname|special|newwrite|directlua|usepackage)(?![A-Za-z])"
)
_BIB_HEAD = re.compile(r"\s*@([A-Za-z]+)\s*\{\s*([^,\s{}\"#%@]+)\s*,")
_BIB_FIELD = re.compile(r"\s*([A-Za-z][\w-]*)\s*=\s*")


def _bib_value(text: str, pos: int) -> tuple[str, int]:
    """The field value starting at ``pos`` (``{...}`` with balanced braces, ``"..."`` or digits) and the
    position after it; no ``#`` concatenation or string macros (they would need ``@string``)."""
    if text.startswith("{", pos) or text.startswith('"', pos):
        closing, depth, i = ("}" if text[pos] == "{" else '"'), 0, pos + 1
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == closing and depth == 0:
                return text[pos + 1 : i], i + 1
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth < 0:
                break
            i += 1
        raise ValueError("has unbalanced braces")
    digits = re.compile(r"\d+").match(text, pos)
    if digits is None:
        raise ValueError("field values must be {braced}, \"quoted\" or a number (no string macros)")
    return digits.group(), digits.end()


def parse_bibtex(text: str) -> tuple[str, str, dict[str, str]]:
    """``(type, key, fields)`` of the one BibTeX entry ``text`` must be; ``ValueError`` naming the
    problem otherwise: anything before or after the entry, a second entry, ``@preamble`` / ``@string``
    / ``@comment``, a duplicate field, no title, or a TeX command that acts beyond typesetting."""
    head = _BIB_HEAD.match(text)
    if head is None:
        raise ValueError("must be one BibTeX entry starting like '@article{key,'")
    kind = head.group(1).lower()
    if kind not in BIBTEX_TYPES:
        raise ValueError(f"entry type @{kind} is not accepted (use one of: {', '.join(sorted(BIBTEX_TYPES))})")
    fields: dict[str, str] = {}
    pos = head.end()
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("}", pos):
            pos += 1
            break
        name = _BIB_FIELD.match(text, pos)
        if name is None:
            raise ValueError("has unbalanced braces" if pos >= len(text) else f"is not valid BibTeX near {text[pos:pos + 20]!r}")
        key = name.group(1).lower()
        if key in fields:
            raise ValueError(f"has the field {key!r} twice")
        fields[key], pos = _bib_value(text, name.end())
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("}", pos):
            raise ValueError("has unbalanced braces" if pos >= len(text) else f"is not valid BibTeX near {text[pos:pos + 20]!r}")
    if text[pos:].strip():
        raise ValueError("must hold exactly one BibTeX entry; remove everything after its closing brace")
    if "title" not in fields:
        raise ValueError("the BibTeX entry needs a title")
    danger = _TEX_DANGER.search(text)
    if danger:
        raise ValueError(f"contains the TeX command {danger.group()!r}; only typesetting commands are allowed")
    return kind, head.group(2), fields


class SubmissionMetadata(BaseModel):
    """Fields of ``submission.yaml`` (all required; unknown keys are an error, to catch typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120, description="display name, e.g. 'Information density'")
    slug: str = Field(description="folder name and the name results are filed under (lowercase, digits, '-')")
    authors: list[str] = Field(min_length=1, description="who submits the strategy")
    description: str = Field(min_length=10, max_length=2000)
    paper_url: str = Field(description="http(s) link to the paper the strategy comes from")
    bibtex: str = Field(description="BibTeX entry of that paper")
    license: str = Field(min_length=2, max_length=64, description="SPDX identifier of strategy.py's license")
    modality: Literal["unimodal", "multimodal"]

    @field_validator("name", "authors", "description", "paper_url", "bibtex", "license", mode="after")
    @classmethod
    def _printable(cls, value: str | list[str]) -> str | list[str]:
        """No control or format characters (terminal escape codes, bidirectional overrides): `cite`,
        `submit` and the leaderboard print these fields. Line breaks and tabs only where text runs long."""
        for text in [value] if isinstance(value, str) else value:
            bad = next((ch for ch in text if not (ch.isprintable() or ch in "\n\t")), None)
            if bad is not None:
                raise ValueError(f"contains the control character {bad!r}; use plain text")
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError("must be 3-50 lowercase letters, digits or '-', starting and ending with a letter or digit")
        return value

    @field_validator("authors")
    @classmethod
    def _authors(cls, value: list[str]) -> list[str]:
        if any(not a.strip() for a in value):
            raise ValueError("author names must be non-empty")
        return value

    @field_validator("paper_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("bibtex")
    @classmethod
    def _bibtex(cls, value: str) -> str:
        parse_bibtex(value)  # exactly one entry, parsed: what `cite` and the HTML page print is that entry
        return value


def load_metadata(folder: Path, reserved: set[str] | frozenset[str] = frozenset()) -> SubmissionMetadata:
    """Read and validate ``folder/submission.yaml``; the slug must equal the folder name and must not
    be a name in ``reserved`` (the built-in strategies)."""
    folder = Path(folder)
    path = folder / METADATA_FILE
    if not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder; pass submissions/<slug> (see submissions/README.md)")
    if not path.is_file():
        raise SubmissionError(f"{path} is missing; copy submissions/_template/{METADATA_FILE} and fill it in")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" at line {line + 1}" if line is not None else ""
        raise SubmissionError(f"{path}: not valid YAML{where}; check indentation and quoting") from None
    if not isinstance(raw, dict):
        raise SubmissionError(f"{path}: must be a YAML mapping of fields (name, slug, authors, ...)")
    try:
        meta = SubmissionMetadata.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "is required"
        elif err["type"] == "extra_forbidden":
            msg = "is not a known field (allowed: " + ", ".join(SubmissionMetadata.model_fields) + ")"
        raise SubmissionError(f"{path}: field '{field}' {msg}") from None
    if meta.slug != folder.resolve().name:
        raise SubmissionError(f"{path}: slug '{meta.slug}' must equal the folder name '{folder.resolve().name}'")
    if meta.slug in reserved:
        raise SubmissionError(f"{path}: slug '{meta.slug}' is a built-in strategy's name; choose another")
    if not (folder / STRATEGY_FILE).is_file():
        raise SubmissionError(f"{folder / STRATEGY_FILE} is missing; copy submissions/_template/{STRATEGY_FILE}")
    return meta
