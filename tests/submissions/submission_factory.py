"""Write submission folders (good and broken) into temp dirs for the submissions and CLI tests."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import yaml

HEADER = """\
import numpy as np
from mmal_bench.strategies.base import Strategy

"""

GOOD_BODY = """\
class Good(Strategy):
    name = "{slug}"
    modality = "unimodal"

    def select(self, view, model, batch_size, rng):
        p = model.predict_proba(view.unlabeled)
        order = np.argsort(p.max(axis=1), kind="stable")[:batch_size]
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[order]
"""


def metadata(slug: str, /, **overrides) -> dict:
    meta = {
        "name": f"Test strategy {slug}",
        "slug": slug,
        "authors": ["A. Tester"],
        "description": "A strategy written by the test suite.",
        "paper_url": "https://example.org/paper",
        "bibtex": "@article{tester2026, title={Test}, author={Tester, A.}, year={2026}}",
        "license": "MIT",
        "modality": "unimodal",
    }
    meta.update(overrides)
    return {k: v for k, v in meta.items() if v is not None}


def make_submission(root: Path, slug: str, select_body: str | None = None, *, source: str | None = None, meta: dict | None = None) -> Path:
    """``root/slug`` with a strategy whose ``select`` body is ``select_body`` (or a whole ``source``)."""
    folder = Path(root) / slug
    folder.mkdir(parents=True, exist_ok=True)
    if source is None:
        if select_body is None:
            source = HEADER + GOOD_BODY.format(slug=slug)
        else:
            body = textwrap.indent(textwrap.dedent(select_body), " " * 8)
            source = HEADER + (
                f"class Broken(Strategy):\n    name = {slug!r}\n    modality = 'unimodal'\n\n"
                f"    def select(self, view, model, batch_size, rng):\n{body}\n"
            )
    (folder / "strategy.py").write_text(source)
    (folder / "submission.yaml").write_text(yaml.safe_dump(meta if meta is not None else metadata(slug), sort_keys=False))
    return folder


def snapshot(*roots: Path) -> dict[str, bytes]:
    """Every file under ``roots`` with its bytes (to prove nothing changed)."""
    out = {}
    for root in roots:
        for p in sorted(Path(root).rglob("*")):
            if p.is_file():
                out[str(p)] = p.read_bytes()
    return out


def child_pids() -> list[int]:
    """Live (non-zombie) child processes of this process, from /proc."""
    me, kids = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == me and fields[0] != "Z":
            kids.append(int(entry))
    return kids
