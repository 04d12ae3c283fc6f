"""Signed results: a signature by a trusted key verifies, any edit or an unknown key is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmal_bench.errors import ConfigError, ResultIntegrityError
from mmal_bench.harness.results import read_result, write_result
from mmal_bench.harness.signing import generate_keys, key_id, load_private_key, sign_result, trusted_keys, verify_signature
from mmal_bench.harness.loop import StrategyEntry, run_group
from mmal_bench.strategies import get_strategy
from harness_factory import tiny_data, tiny_protocol


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, unsigned result file written by the harness (random on the tiny dataset)."""
    data = tiny_data()
    outcome = run_group(data, tiny_protocol(data), 0, [StrategyEntry.of(get_strategy("random"), name="random")])
    return write_result(tmp_path_factory.mktemp("unsigned"), outcome.results["random"])


def test_sign_verify_and_refuse_edits(tmp_path: Path, unsigned: Path) -> None:
    committed = unsigned
    private, public = generate_keys(tmp_path / "maint.key", tmp_path / "keys")
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    key = load_private_key(private)
    keys = trusted_keys(tmp_path / "keys")
    assert list(keys) == [key_id(key.public_key())] == [public.stem]
    signed = sign_result(read_result(committed), key)
    path = write_result(tmp_path / "results", signed)
    assert verify_signature(read_result(path), keys, path) is True
    assert verify_signature(read_result(committed), keys, committed) is False  # unsigned: not official
    # Edit a number and reseal the bare hash: the signature no longer matches.
    raw = json.loads(path.read_text())
    raw["summary"]["aubc"] += 0.1
    forged = type(signed).model_validate(raw).sealed()
    forged_path = write_result(tmp_path / "forged", forged)
    with pytest.raises(ResultIntegrityError, match=r"the signature does not match the content"):
        verify_signature(read_result(forged_path), keys, forged_path)
    # Signed by a key the leaderboard does not trust.
    other = load_private_key(generate_keys(tmp_path / "other.key", tmp_path / "other")[0])
    with pytest.raises(ResultIntegrityError, match=r"not among the trusted keys"):
        verify_signature(sign_result(read_result(committed), other), keys, forged_path)


def test_keys_are_never_overwritten_and_bad_keys_are_one_line(tmp_path: Path) -> None:
    generate_keys(tmp_path / "k", tmp_path / "pub")
    with pytest.raises(ConfigError, match="exists; choose a new path"):
        generate_keys(tmp_path / "k", tmp_path / "pub")
    (tmp_path / "junk").write_text("not a key")
    with pytest.raises(ConfigError, match="not a readable Ed25519 private key"):
        load_private_key(tmp_path / "junk")
