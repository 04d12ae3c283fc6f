"""Build hook: a wheel carries the committed dataset manifests/cards and the submissions' metadata.

``datasets/`` and ``submissions/`` live at the top of the repository (where people read and edit
them); installed outside a checkout, `mmal_bench.paths.REPO_ROOT` finds them in
``mmal_bench/_shipped/`` instead, so ``cite``, ``datasets list/info`` and fingerprint checks work.
Of ``submissions/`` only the accepted folders (listed in ``submissions/ACCEPTED``) and the template
ship: a folder left there, finished or broken, stays out of the wheel. Everything else is configured
in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("datasets", "submissions", "leaderboard/keys")
#: The list of accepted submissions (mmal_bench.submissions.catalog.ACCEPTED_FILE; setup.py cannot import the package).
ACCEPTED_FILE = "ACCEPTED"


def accepted_only(folder: str, names: list[str]) -> list[str]:
    """`shutil.copytree` ignore function: inside ``submissions/``, skip every sub-folder other than
    ``_template`` and the slugs ``ACCEPTED`` lists; elsewhere skip only caches."""
    skipped = set(shutil.ignore_patterns("__pycache__", "*.pyc")(folder, names))
    if Path(folder).name == "submissions" and (Path(folder) / ACCEPTED_FILE).is_file():
        lines = (Path(folder) / ACCEPTED_FILE).read_text(encoding="utf-8").splitlines()
        accepted = {line.split("#", 1)[0].strip() for line in lines} | {"_template"}
        skipped |= {n for n in names if (Path(folder) / n).is_dir() and n not in accepted}
    return sorted(skipped)


class BuildPyWithShipped(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout itself
            return
        for folder in SHIPPED:
            target = Path(self.build_lib) / "mmal_bench" / "_shipped" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target, ignore=accepted_only)


if __name__ == "__main__":  # how setuptools' build backend runs it; a test imports accepted_only alone
    setup(cmdclass={"build_py": BuildPyWithShipped})
