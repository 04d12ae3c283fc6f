"""Signed results: a signature by a known key verifies, any edit or an unknown key is refused; which key
makes a release official is pinned in code, and a key merely added to leaderboard/keys is not trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmal_bench.errors import ConfigError, ResultIntegrityError
from mmal_bench.harness.results import read_result, write_result
from mmal_bench.harness import signing
from mmal_bench.harness.signing import generate_keys, key_id, load_private_key, public_keys, sign_result, trusted_keys, verify_signature
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
    keys = public_keys(tmp_path / "keys")
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
    with pytest.raises(ResultIntegrityError, match=r"whose public key is not among the keys in"):
        verify_signature(sign_result(read_result(committed), other), keys, forged_path)


def test_keys_are_never_overwritten_and_bad_keys_are_one_line(tmp_path: Path) -> None:
    generate_keys(tmp_path / "k", tmp_path / "pub")
    with pytest.raises(ConfigError, match="exists; choose a new path"):
        generate_keys(tmp_path / "k", tmp_path / "pub")
    (tmp_path / "junk").write_text("not a key")
    with pytest.raises(ConfigError, match="not a readable Ed25519 private key"):
        load_private_key(tmp_path / "junk")


def test_pinned_signers_are_the_maintainers_keys_and_fail_when_changed() -> None:
    """Changing who signs a release must be a visible, reviewed edit of this test."""
    assert signing.PINNED_SIGNERS == (("2.0.0", "01b9218d74799d59"), ("3.0.0", "cb6c08fdfe12a92d"))
    assert [signing.pinned_signer(v) for v in ("1.0.0", "2.0.0", "2.9.9", "3.0.0", "3.1.0", "10.0.0")] == [
        None, "01b9218d74799d59", "01b9218d74799d59", "cb6c08fdfe12a92d", "cb6c08fdfe12a92d", "cb6c08fdfe12a92d"
    ]  # fmt: skip
    committed = sorted(p.stem for p in signing.TRUSTED_KEYS_DIR.glob("*.pub"))
    assert committed == ["01b9218d74799d59", "cb6c08fdfe12a92d"]
    assert sorted(trusted_keys()) == committed  # each file's name is its key's id
    assert not [p for p in signing.TRUSTED_KEYS_DIR.iterdir() if p.suffix not in (".pub", ".md")]  # never a private key


def test_a_key_added_to_the_keys_folder_is_not_trusted(tmp_path: Path, monkeypatch) -> None:
    _, pinned = generate_keys(tmp_path / "pinned.key", tmp_path / "keys")
    _, added = generate_keys(tmp_path / "added.key", tmp_path / "keys")
    monkeypatch.setattr(signing, "PINNED_SIGNERS", (("2.0.0", pinned.stem),))
    assert sorted(public_keys(tmp_path / "keys")) == sorted([pinned.stem, added.stem])
    assert list(trusted_keys(tmp_path / "keys")) == [pinned.stem]
