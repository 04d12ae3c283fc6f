"""Where the package finds the committed datasets/ and submissions/: the checkout, or the copy a wheel
ships (so `cite`, `datasets list` and fingerprint checks work when installed without cloning)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mmal_bench import paths


def test_in_a_checkout_the_root_is_the_checkout() -> None:
    assert paths.REPO_ROOT == Path(paths.__file__).resolve().parent.parent
    assert (paths.REPO_ROOT / "datasets").is_dir() and (paths.REPO_ROOT / "submissions").is_dir()


def test_installed_from_a_wheel_the_root_is_the_shipped_copy(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "site-packages" / "mmal_bench"
    (package / paths.SHIPPED_DIR / "datasets").mkdir(parents=True)
    monkeypatch.setattr(paths, "_PACKAGE_DIR", package)
    assert paths._project_root() == package / paths.SHIPPED_DIR


#: Read from a checkout only, with a fallback elsewhere: submit reuses the committed built-in results
#: when it finds them and computes the built-ins otherwise.
CHECKOUT_ONLY = ("leaderboard/results",)


def test_the_build_ships_every_folder_the_code_reads_from_the_root() -> None:
    setup_py = (paths.REPO_ROOT / "setup.py").read_text()
    manifest_in = (paths.REPO_ROOT / "MANIFEST.in").read_text()
    shipped = set(re.search(r"SHIPPED = \(([^)]*)\)", setup_py).group(1).replace('"', "").replace(" ", "").strip(",").split(","))
    used = set()
    for source in Path(paths.__file__).parent.rglob("*.py"):
        for chain in re.findall(r'REPO_ROOT((?: / "[\w.-]+")+)', source.read_text(encoding="utf-8")):
            used.add("/".join(re.findall(r'"([\w.-]+)"', chain)))
    unshipped = {u for u in used if not any(u == s or u.startswith(s + "/") or s.startswith(u + "/") for s in shipped)}
    assert unshipped <= set(CHECKOUT_ONLY), f"read from the project root but not shipped in the wheel: {unshipped - set(CHECKOUT_ONLY)}"
    assert all(f"graft {folder}" in manifest_in for folder in shipped)


def test_mmal_bench_home_that_is_a_file_is_one_line(tmp_path: Path, monkeypatch) -> None:
    from mmal_bench.errors import ConfigError

    (tmp_path / "home").write_text("")
    monkeypatch.setenv("MMAL_BENCH_HOME", str(tmp_path / "home"))
    with pytest.raises(ConfigError, match="is a file; point MMAL_BENCH_HOME at a folder"):
        paths.cache_home()
