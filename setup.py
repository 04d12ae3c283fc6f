"""Build hook: a wheel carries the committed dataset manifests/cards and the submissions' metadata.

``datasets/`` and ``submissions/`` live at the top of the repository (where people read and edit
them); installed outside a checkout, `mmal_bench.paths.REPO_ROOT` finds them in
``mmal_bench/_shipped/`` instead, so ``cite``, ``datasets list/info`` and fingerprint checks work.
Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("datasets", "submissions", "leaderboard/keys")


class BuildPyWithShipped(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout itself
            return
        for folder in SHIPPED:
            target = Path(self.build_lib) / "mmal_bench" / "_shipped" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithShipped})
