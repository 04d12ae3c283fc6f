"""Tests of mmal_bench.data.hub: hub-layout export, offline `datasets.load_dataset`, verified loading,
corruption detection, concurrent cold-cache loads, hub fetch and push (with fakes, no network), and a
loopback hub (tests/data/fake_hub.py) serving a built folder by repository name and revision."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from mmal_bench.data import hub
from mmal_bench.data.fingerprint import file_sha256
from mmal_bench.data.registry import register
from mmal_bench.data.schema import hf_features
from mmal_bench.errors import DatasetIntegrityError, DatasetNotFoundError

POOL_SHARD = "data/toy-test/pool-00000-of-00001.parquet"


def test_export_layout_card_and_manifest(toy, tmp_path):
    out = hub.export("toy-test", "0.1.0", tmp_path / "out")
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "data/toy-test-cold-start/cold_start-00000-of-00001.parquet",
        "data/toy-test/pool-00000-of-00001.parquet",
        "data/toy-test/test-00000-of-00001.parquet",
        "manifest.json",
    ]
    card = (out / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert [c["config_name"] for c in header["configs"]] == ["toy-test", "toy-test-cold-start"]
    # the card's dataset_info overrides the parquet features, so it must be exactly them
    info = {c["config_name"]: c for c in header["dataset_info"]}
    parquet = datasets.Features.from_arrow_schema(pq.read_schema(out / POOL_SHARD))
    assert datasets.Features._from_yaml_list(info["toy-test"]["features"]) == parquet
    assert parquet == hf_features({"a": 6, "b": 5}, toy.class_names, annotated=True)
    assert datasets.Features._from_yaml_list(info["toy-test-cold-start"]["features"]) == hub.cold_start_features()
    assert {s["name"]: s["num_examples"] for s in info["toy-test"]["splits"]} == {"pool": 300, "test": 120}
    assert header["size_categories"] == ["n<1K"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"] == {"pool": 300, "test": 120, "cold_start": 6000}  # 20 seeds x 300 ids
    assert manifest["modalities"] == {"a": 6, "b": 5} and manifest["spec"]["spec"]["seed"] == 5
    assert set(manifest["ground_truth"]) == {"a", "b", "a+b"}
    assert manifest["files"][POOL_SHARD] == file_sha256(out / POOL_SHARD)
    assert manifest["fingerprint"] in card and "Ground truth" in card and "@misc{mmalbench2026" in card
    with pytest.raises(DatasetIntegrityError, match="not empty"):
        hub.export("toy-test", "0.1.0", tmp_path / "out")


def test_exported_folder_loads_offline_with_hf_datasets(toy, tmp_path):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    out = hub.export("toy-test", None, tmp_path / "out")
    ds = datasets.load_dataset(str(out), name="toy-test")
    built = toy.build()
    expected = hf_features({"a": 6, "b": 5}, toy.class_names, annotated=True)
    for split_name, split in (("pool", built.pool), ("test", built.test)):
        d = ds[split_name]
        assert d.features == expected  # fixed-length float32 vectors stayed fixed-length
        arrays = d.with_format("numpy")
        assert np.array_equal(arrays["id"][:], split.ids) and np.array_equal(arrays["label"][:], split.labels)
        for m in ("a", "b"):
            assert np.array_equal(arrays[m][:], split.features[m]) and arrays[m][:].dtype == np.float32
            assert np.array_equal(arrays[m + "_present"][:], split.present[m])
    cold = datasets.load_dataset(str(out), name="toy-test-cold-start")["cold_start"].with_format("numpy")
    assert cold.features == hub.cold_start_features()
    assert np.array_equal(ds["pool"].with_format("numpy")["clean_label"][:], built.pool.clean_labels)
    seed3 = np.asarray(cold["id"][:])[np.asarray(cold["seed"][:]) == 3]
    assert np.array_equal(seed3, built.cold_start_order[3])


def test_load_benchmark_and_load_dataset_from_cache(toy, home):
    bench = hub.load_benchmark("toy-test")
    assert (home / "datasets/toy-test/0.1.0/manifest.json").is_file()
    assert bench.ref == "toy-test@0.1.0" and bench.modalities == ("a", "b") and bench.n_classes == 3
    assert set(bench.ground_truth) == {"a", "b", "a+b"} and bench.ground_truth["a+b"] >= bench.ground_truth["b"]
    ids = bench.cold_start(seed=0, size=9)
    assert np.bincount(bench.pool.labels[ids], minlength=3).tolist() == [3, 3, 3]
    assert not bench.pool.features["a"].flags.writeable
    assert hub.load_benchmark("toy-test", "0.1.0") is bench  # memoised until a file changes
    dd = hub.load_dataset("toy-test")
    assert list(dd) == ["pool", "test"] and dd["pool"].num_rows == 300
    assert dd["test"].features == hf_features({"a": 6, "b": 5}, toy.class_names, annotated=True)
    import mmal_bench

    assert mmal_bench.load_benchmark is hub.load_benchmark


def test_flipped_byte_is_detected_by_verify_and_load(toy):
    folder = hub.ensure_built("toy-test")
    hub.load_benchmark("toy-test")
    shard = folder / POOL_SHARD
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(DatasetIntegrityError, match=r"toy-test@0.1.0: file .*pool-00000-of-00001.parquet is corrupted or edited"):
        hub.verify_folder(folder)
    with pytest.raises(DatasetIntegrityError, match="pool-00000-of-00001.parquet is corrupted"):
        hub.load_benchmark("toy-test")


def test_edited_row_is_detected_even_with_a_doctored_manifest(toy):
    folder = hub.ensure_built("toy-test")
    shard = folder / POOL_SHARD
    table = pq.read_table(shard)
    labels = table.column("label").to_numpy().copy()
    labels[0] = (labels[0] + 1) % 3
    pq.write_table(table.set_column(1, table.schema.field("label"), [labels]), shard, compression="snappy")
    with pytest.raises(DatasetIntegrityError, match="pool-00000-of-00001.parquet is corrupted or edited"):
        hub.load_benchmark("toy-test")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][POOL_SHARD] = file_sha256(shard)  # the editor also "fixed" the checksum
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetIntegrityError, match="content fingerprint .* does not match its manifest"):
        hub.verify_folder(folder)
    with pytest.raises(DatasetIntegrityError, match="does not match its manifest"):
        hub.load_dataset("toy-test")


@pytest.mark.parametrize("field", ["ground_truth", "class_names", "quality"])
def test_an_edited_metric_field_of_the_cached_manifest_is_refused(toy, field):
    folder = hub.ensure_built("toy-test")
    manifest = json.loads((folder / "manifest.json").read_text())
    if field == "ground_truth":
        manifest["ground_truth"]["a"]["accuracy"] = 0.99
    elif field == "class_names":
        manifest["class_names"] = ["x", "y", "z"]
    else:
        manifest["quality"]["noisy_label"] = 0.5
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetIntegrityError, match="does not match its manifest"):
        hub.verify_folder(folder)
    with pytest.raises(DatasetIntegrityError, match="does not match its manifest"):
        hub.load_benchmark("toy-test")


def test_legacy_manifest_metric_fields_are_compared_with_the_committed_one(home):
    # 1.0.0 datasets keep the v1 fingerprint (content only): their metric fields are compared instead
    folder = hub.ensure_built("synergy", "1.0.0")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["fingerprint_scheme"] == "mmal-bench-content-v1"
    manifest["ground_truth"]["a"]["accuracy"] = 0.9
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetIntegrityError, match=r"synergy@1.0.0: ground_truth in .* differs from the published manifest"):
        hub.verify_folder(folder)
    with pytest.raises(DatasetIntegrityError, match="ground_truth in .* differs from the published manifest"):
        hub.load_benchmark("synergy", "1.0.0")


def test_stray_shard_and_missing_file_are_named(toy):
    folder = hub.ensure_built("toy-test")
    shutil.copyfile(folder / POOL_SHARD, folder / "data/toy-test/pool-extra.parquet")
    with pytest.raises(DatasetIntegrityError, match="pool-extra.parquet is not in the manifest"):
        hub.verify_folder(folder)
    (folder / "data/toy-test/pool-extra.parquet").unlink()
    (folder / "data/toy-test/test-00000-of-00001.parquet").unlink()
    with pytest.raises(DatasetIntegrityError, match="test-00000-of-00001.parquet listed in the manifest is missing"):
        hub.load_benchmark("toy-test")
    with pytest.raises(DatasetIntegrityError, match="has no manifest.json"):
        hub.verify_folder(folder.parent)


def test_bad_name_or_version():
    with pytest.raises(DatasetNotFoundError, match="unknown dataset 'nope'"):
        hub.load_benchmark("nope")
    with pytest.raises(DatasetNotFoundError, match="has no version '0.0.1'; known versions: 1.0.0, 2.0.0"):
        hub.load_dataset("redundant", "0.0.1")


def test_regeneration_that_drifts_from_the_published_manifest_is_refused(toy, monkeypatch):
    monkeypatch.setattr(hub, "committed_manifest", lambda name, version: {"fingerprint": "sha256:" + "0" * 64})
    with pytest.raises(DatasetIntegrityError, match="regenerated content has fingerprint .* but the published manifest"):
        hub.load_benchmark("toy-test")
    assert not hub.dataset_cache_dir("toy-test", "0.1.0").exists()  # nothing half-written left behind


_WORKER = """
import sys
sys.path.insert(0, {tests!r})
from conftest import TOY_SPEC
from mmal_bench.data.registry import register
from mmal_bench.data.suite import synthetic_entry
from mmal_bench.data.hub import load_benchmark
register(synthetic_entry("toy-test", TOY_SPEC, pitfall="test", description="Tiny test dataset.", version="0.1.0", ground_truth_rows=4000))
print(load_benchmark("toy-test").fingerprint)
"""


def test_concurrent_cold_cache_loads_agree(toy, home):
    code = _WORKER.format(tests=str(Path(__file__).parent))
    env = os.environ | {"MMAL_BENCH_HOME": str(home)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    prints = {o[0].strip() for o in outs}
    assert prints == {hub.load_benchmark("toy-test").fingerprint}
    assert sorted(p.name for p in (home / "datasets/toy-test").iterdir()) == ["0.1.0"]  # no temp folders left


def test_fetch_from_hub_at_pinned_revision(toy, tmp_path, monkeypatch, capsys):
    published = hub.export("toy-test", "0.1.0", tmp_path / "published")
    calls = []

    def fake_snapshot_download(repo_id, repo_type, revision, local_files_only):
        calls.append((repo_id, repo_type, revision, local_files_only))
        return str(published)

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    register(dataclasses.replace(toy, hub_repo_id="org/toy", build=lambda: pytest.fail("should come from the hub")), replace=True)
    data = hub.load_dataset("toy-test", "0.1.0")
    assert calls == [("org/toy", "dataset", "0.1.0", False)]
    fingerprint = json.loads((published / "manifest.json").read_text())["fingerprint"]
    assert hub.load_benchmark("toy-test").fingerprint == fingerprint and data["pool"].num_rows == 300
    assert capsys.readouterr().err == f"mmal-bench: toy-test@0.1.0 from hub org/toy@0.1.0, fingerprint {fingerprint} verified\n"


def _hub_cache(cache: Path, repo_id: str, revision: str, folder: Path) -> Path:
    """``folder`` laid out as a dataset repository downloaded into a Hugging Face cache at ``cache``:
    the revision's ref names a commit whose snapshot holds the files (the cache an offline hub reads)."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / ("datasets--" + repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / revision).write_text(commit)
    shutil.copytree(folder, repo / "snapshots" / commit)
    return repo / "snapshots" / commit


def test_load_dataset_reads_the_hub_repository_at_its_revision_from_the_hub_cache_offline(toy, tmp_path, monkeypatch, capsys):
    """Loopback: a built folder served as the hub repository ``org/toy`` (tag 0.1.0) from the local
    Hugging Face cache, loaded by name with the hub offline; a tampered download is refused."""
    import huggingface_hub.constants

    published = hub.export("toy-test", "0.1.0", tmp_path / "published")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    register(dataclasses.replace(toy, hub_repo_id="org/toy", build=lambda: pytest.fail("should come from the hub")), replace=True)
    snapshot = _hub_cache(tmp_path / "hf", "org/toy", "0.1.0", published)
    data = hub.load_dataset("toy-test", "0.1.0")
    assert "from hub org/toy@0.1.0" in capsys.readouterr().err and hub.dataset_source("toy-test", "0.1.0") == "hub org/toy@0.1.0"
    assert np.array_equal(np.asarray(data["pool"]["id"]), toy.build().pool.ids)
    cached = hub.dataset_cache_dir("toy-test", "0.1.0")
    assert sorted(p.relative_to(cached).as_posix() for p in cached.rglob("*") if p.is_file()) == sorted(
        p.relative_to(published).as_posix() for p in published.rglob("*") if p.is_file()
    )
    # the same repository with a shard edited: refused, not loaded and not silently rebuilt
    shutil.rmtree(cached)
    hub._MEMO.clear()
    shard = snapshot / POOL_SHARD
    shard.write_bytes(shard.read_bytes()[:-20] + b"\0" * 20)
    with pytest.raises(DatasetIntegrityError, match="corrupted or edited"):
        hub.load_benchmark("toy-test")


def test_without_the_hub_load_dataset_builds_locally_and_says_so(toy, capsys):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    data = hub.load_dataset("toy-test", "0.1.0")
    err = capsys.readouterr().err
    assert err.startswith("mmal-bench: toy-test@0.1.0 from built locally (offline and mmal-bench/toy-test@0.1.0 is not in the Hugging Face cache)")
    assert err.endswith(f"fingerprint {hub.load_benchmark('toy-test').fingerprint} verified\n") and data["test"].num_rows == 120
    hub.load_dataset("toy-test", "0.1.0", quiet=True)
    assert capsys.readouterr().err == ""


def test_every_manifest_and_card_names_its_hub_repository_and_revision():
    from mmal_bench.data.entry import HUB_NAMESPACE
    from mmal_bench.data.registry import list_entries
    from mmal_bench.paths import REPO_ROOT

    manifests = sorted((REPO_ROOT / "datasets").glob("*/*/manifest.json"))
    assert len(manifests) >= 19  # 2.0.0, the 1.0.0 archive and the real datasets
    for path in manifests:
        manifest = json.loads(path.read_text())
        repo, revision = f"{HUB_NAMESPACE}/{manifest['name']}", manifest["version"]
        assert (manifest["hub_repo_id"], manifest["hub_revision"]) == (repo, revision), path
        card = (path.parent / "README.md").read_text()
        assert f"dataset repository [`{repo}`](https://huggingface.co/datasets/{repo}), revision `{revision}`" in card, path
        assert f'datasets.load_dataset("{repo}", name="{manifest["name"]}", revision="{revision}")' in card, path
    committed = {(p.parent.parent.name, p.parent.name) for p in manifests}
    assert all(e.hub_repo_id == f"{HUB_NAMESPACE}/{e.name}" for e in list_entries() if (e.name, e.version) in committed)


def test_the_hub_repository_is_part_of_no_fingerprint(toy):
    built = toy.build()
    moved = dataclasses.replace(toy, hub_repo_id="elsewhere/toy")
    assert hub.built_fingerprint(moved, built) == hub.built_fingerprint(toy, built)


def test_a_built_folder_loads_with_plain_datasets_without_a_malformed_card_warning(toy, tmp_path, capfd):
    out = hub.export("toy-test", "0.1.0", tmp_path / "out")
    capfd.readouterr()
    ds = datasets.load_dataset(str(out))
    assert ds["pool"].num_rows == 300 and ds["test"].num_rows == 120
    captured = capfd.readouterr()
    assert "malformed" not in captured.err + captured.out and "Ignoring part of dataset_info" not in captured.err + captured.out
    header = yaml.safe_load((out / "README.md").read_text().split("---\n")[1])
    splits = {s["name"]: s for c in header["dataset_info"] for s in c["splits"]}
    assert set(splits) == {"pool", "test", "cold_start"} and all(s["num_bytes"] > 0 for s in splits.values())


def test_push_to_hub_uploads_the_export_and_tags_the_version(toy):
    class FakeApi:
        def __init__(self):
            self.calls = []

        def create_repo(self, **kw):
            self.calls.append(("create_repo", kw))

        def upload_folder(self, **kw):
            self.calls.append(("upload_folder", kw))
            return type("Commit", (), {"oid": "abc123"})()

        def create_tag(self, **kw):
            self.calls.append(("create_tag", kw))

    api = FakeApi()
    assert hub.push_to_hub("toy-test", "0.1.0", "org/toy", api=api) == "abc123"
    (_, repo), (_, upload), (_, tag) = api.calls
    assert repo == {"repo_id": "org/toy", "repo_type": "dataset", "exist_ok": True}
    folder = hub.dataset_cache_dir("toy-test", "0.1.0")
    assert Path(upload["folder_path"]) == folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert upload["allow_patterns"] == ["README.md", "manifest.json", *sorted(manifest["files"])]  # exactly the verified build
    assert tag["tag"] == "0.1.0" and tag["revision"] == "abc123" and tag["repo_type"] == "dataset"
    (folder / "notes.txt").write_text("left in the cache folder by hand")
    assert "notes.txt" not in [rel for rel, _ in hub.push_plan("toy-test", "0.1.0").files]


def test_push_plan_refuses_an_edited_build(toy):
    folder = hub.ensure_built("toy-test", "0.1.0")
    shard = folder / POOL_SHARD
    shard.write_bytes(shard.read_bytes()[:-20] + b"\0" * 20)
    with pytest.raises(DatasetIntegrityError, match="corrupted or edited"):
        hub.push_plan("toy-test", "0.1.0")


def test_fast_arrow_conversion_equals_hf_to_split(toy):
    from mmal_bench.data.schema import arrow_to_split, hf_to_split

    table = hub.read_folder(hub.ensure_built("toy-test")).tables["pool"]
    fast, slow = arrow_to_split(table, ("a", "b")), hf_to_split(datasets.Dataset(datasets.table.InMemoryTable(table)), ("a", "b"))
    assert np.array_equal(fast.ids, slow.ids) and np.array_equal(fast.labels, slow.labels)
    for m in ("a", "b"):
        assert np.array_equal(fast.features[m], slow.features[m]) and fast.features[m].dtype == np.float32
        assert np.array_equal(fast.present[m], slow.present[m]) and fast.present[m].dtype == bool


def test_record_builds_from_code_not_from_a_stale_cache(toy, home, tmp_path, monkeypatch):
    committed = tmp_path / "repo-datasets"
    monkeypatch.setattr(hub, "committed_dir", lambda name, version: committed / name / version)
    hub.ensure_built("toy-test", "0.1.0")  # a cache built from the old generator
    old = json.loads((home / "datasets/toy-test/0.1.0/manifest.json").read_text())
    from conftest import TOY_SPEC

    from mmal_bench.data.suite import synthetic_entry

    spec = dataclasses.replace(TOY_SPEC, pool_size=320)  # a deliberate generator change
    register(synthetic_entry("toy-test", spec, pitfall="test", description="Tiny test dataset.", version="0.1.0", ground_truth_rows=4000), replace=True)
    target = hub.record("toy-test", "0.1.0")
    recorded = json.loads((target / "manifest.json").read_text())
    assert recorded["rows"] != old["rows"] and recorded["fingerprint"] != old["fingerprint"]
    assert json.loads((home / "datasets/toy-test/0.1.0/manifest.json").read_text()) == recorded  # the cache follows
    assert not [p for p in (home / "datasets/toy-test").iterdir() if p.name.startswith(".")]  # no staging left


LOOPBACK_CLIENT = """
import json, sys
sys.path.insert(0, {tests!r})
import datasets, numpy as np
from conftest import TOY_SPEC
from mmal_bench.data import hub
from mmal_bench.data.registry import register
from mmal_bench.data.suite import synthetic_entry

register(synthetic_entry("toy-test", TOY_SPEC, pitfall="test", description="Tiny test dataset.", version="0.1.0", ground_truth_rows=4000))
plain = datasets.load_dataset("mmal-bench/toy-test", name="toy-test", revision="0.1.0")
cold = datasets.load_dataset("mmal-bench/toy-test", name="toy-test-cold-start", revision="0.1.0")
ours = hub.load_dataset("toy-test", "0.1.0")
print(json.dumps({{
    "plain_ids": np.asarray(plain["pool"]["id"]).tolist(), "plain_test": plain["test"].num_rows, "cold": cold["cold_start"].num_rows,
    "ours_ids": np.asarray(ours["pool"]["id"]).tolist(), "fingerprint": hub.load_benchmark("toy-test").fingerprint,
    "source": hub.dataset_source("toy-test", "0.1.0"),
}}))
"""


def test_loopback_a_built_folder_served_as_a_hub_repository_loads_by_name_and_revision(toy, tmp_path):
    """A built folder served as the hub repository ``mmal-bench/toy-test`` (tag 0.1.0) over HTTP on
    127.0.0.1: plain ``datasets.load_dataset("mmal-bench/toy-test", revision="0.1.0")`` and
    `mmal_bench.load_dataset` (downloading, then verifying the fingerprint) give the same rows."""
    from fake_hub import serve

    published = hub.export("toy-test", "0.1.0", tmp_path / "published")
    fingerprint = json.loads((published / "manifest.json").read_text())["fingerprint"]
    code = LOOPBACK_CLIENT.format(tests=str(Path(__file__).parent))
    with serve(published, "mmal-bench/toy-test", "0.1.0") as endpoint:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "MMAL_BENCH_"))}
        env |= {"HF_ENDPOINT": endpoint, "HF_HUB_OFFLINE": "0", "HF_DATASETS_OFFLINE": "0", "HF_HOME": str(tmp_path / "hf"),
                "HF_HUB_DISABLE_TELEMETRY": "1", "MMAL_BENCH_HOME": str(tmp_path / "home"), "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    built = toy.build()
    assert got["plain_ids"] == got["ours_ids"] == built.pool.ids.tolist() and got["plain_test"] == 120 and got["cold"] == 6000
    assert got["fingerprint"] == fingerprint and got["source"] == "hub mmal-bench/toy-test@0.1.0"
    assert f"mmal-bench: toy-test@0.1.0 from hub mmal-bench/toy-test@0.1.0, fingerprint {fingerprint} verified" in proc.stderr
    assert "malformed" not in proc.stderr
