"""Tests of mmal_bench.data.fingerprint: content-only, sensitive to any value, not to encoding."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow.parquet as pq

from mmal_bench.data.fingerprint import content_fingerprint, file_sha256
from mmal_bench.data.hub import read_folder


def test_fingerprint_changes_with_any_value(toy):
    built = toy.build()
    base = content_fingerprint(built.pool, built.test, built.cold_start_order, toy.class_names)
    assert base.startswith("sha256:") and len(base) == 71
    x = built.test.features["b"].copy()
    x[7, 2] = np.nextafter(x[7, 2], np.float32(np.inf))
    edited = dataclasses.replace(built.test, features={"a": built.test.features["a"], "b": x})
    assert content_fingerprint(built.pool, edited, built.cold_start_order, toy.class_names) != base
    order = dict(built.cold_start_order) | {0: built.cold_start_order[0][::-1].copy()}
    assert content_fingerprint(built.pool, built.test, order, toy.class_names) != base
    assert content_fingerprint(built.pool, built.test, built.cold_start_order, ("x", "y", "z")) != base


def test_fingerprint_ignores_parquet_encoding(toy, tmp_path):
    from mmal_bench.data.hub import ensure_built

    folder = ensure_built(toy.name, toy.version)
    manifest = read_folder(folder).manifest
    shard = folder / "data/toy-test/pool-00000-of-00001.parquet"
    before = file_sha256(shard)
    pq.write_table(pq.read_table(shard), shard, compression="zstd", row_group_size=17)  # re-encode, same rows
    assert file_sha256(shard) != before
    import json

    manifest["files"]["data/toy-test/pool-00000-of-00001.parquet"] = file_sha256(shard)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert read_folder(folder).manifest["fingerprint"] == manifest["fingerprint"]  # same content, same fingerprint
