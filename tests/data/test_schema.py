"""ModalBatch and PoolRows: a strategy's view reads pool rows when used, never a whole copy up front."""

from __future__ import annotations

import numpy as np
import pytest

from mmal_bench.data.schema import ModalBatch, PoolRows


def pool_rows(n: int = 50) -> tuple[dict[str, np.ndarray], np.ndarray, PoolRows]:
    rng = np.random.default_rng(0)
    source = {"a": rng.normal(size=(n, 4)).astype(np.float32), "b": rng.normal(size=(n, 3)).astype(np.float32)}
    positions = np.sort(rng.choice(n, 20, replace=False))
    return source, positions, PoolRows(source, positions)


def test_rows_are_read_on_first_use_equal_to_the_source_rows_and_read_only() -> None:
    source, positions, rows = pool_rows()
    assert list(rows) == ["a", "b"] and len(rows) == 2
    a = rows["a"]
    assert np.array_equal(a, source["a"][positions]) and not a.flags.writeable
    assert rows["a"] is a  # kept for later reads
    with pytest.raises(ValueError, match="read-only"):
        a[0, 0] = 1.0


def test_take_gives_unread_rows_of_rows_and_gather_into_writes_strided_outputs() -> None:
    source, positions, rows = pool_rows()
    batch = ModalBatch(rows, PoolRows({m: np.ones(50, bool) for m in source}, positions))
    part = batch.take(slice(3, 9))
    assert isinstance(part.features, PoolRows) and len(part) == 6
    picked = batch.take(np.array([7, 1]))
    assert np.array_equal(picked.features["b"], source["b"][positions[[7, 1]]])
    out = np.zeros((2, 6, 5), np.float32)  # padded, like a model's input tensor: a non-contiguous target
    part.features.gather_into("b", out[1, :, :3])
    assert np.array_equal(out[1, :, :3], source["b"][positions[3:9]]) and not out[0].any() and not out[1, :, 3:].any()
    with pytest.raises(ValueError, match="'a' has rows of shape"):
        part.features.gather_into("a", out[1, :, :3])


def test_positions_outside_the_source_are_refused() -> None:
    source, _, _ = pool_rows()
    with pytest.raises(IndexError, match=r"\[0, 50\)"):
        PoolRows(source, np.array([0, 50]))
    with pytest.raises(IndexError):
        PoolRows(source, np.array([-1]))


def test_write_rows_casts_plain_arrays_and_names_a_wrong_width_or_row_count() -> None:
    from mmal_bench.data.schema import write_rows

    out = np.zeros((3, 2), np.float32)
    write_rows({"a": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])}, "a", out)  # float64 in, float32 out
    assert out.dtype == np.float32 and out.tolist() == [[1, 2], [3, 4], [5, 6]]
    with pytest.raises(ValueError, match=r"modality 'a' has rows of shape \(3,\); expected \(2,\)"):
        write_rows({"a": np.zeros((3, 3))}, "a", out)
    with pytest.raises(ValueError, match="modality 'a' has 4 rows; expected 3"):
        write_rows({"a": np.zeros((4, 2))}, "a", out)
