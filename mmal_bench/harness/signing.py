"""Ed25519 signatures of official result files: the maintainers sign, the leaderboard verifies.

A result is signed over its ``content_hash`` (which covers every number and the whole provenance,
``signed_by`` included); public keys are committed under ``leaderboard/keys/*.pub`` and a key's id is
the first 16 hex digits of the sha256 of its raw public bytes. Which key signs a release is *pinned in
this module* (`PINNED_SIGNERS`), not read from that folder: a pull request that adds its own ``.pub``
and re-signs edited cells gets, at best, a board marked UNOFFICIAL.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mmal_bench.errors import ConfigError, ResultIntegrityError
from mmal_bench.harness.results import CellResult, content_hash
from mmal_bench.paths import REPO_ROOT

#: Public keys whose signatures the leaderboard can check (which of them count is `PINNED_SIGNERS`).
TRUSTED_KEYS_DIR = REPO_ROOT / "leaderboard" / "keys"
#: The maintainers' key id that signs each release's official results, from that release on (one signer
#: per release). Pinned in code, where a change shows in review and fails
#: ``tests/harness/test_signing.py``; a key under `TRUSTED_KEYS_DIR` that is not pinned here is not trusted.
#: 2.0.0 was signed by 01b9218d74799d59; cb6c08fdfe12a92d signs 3.0.0 and later.
PINNED_SIGNERS: tuple[tuple[str, str], ...] = (("2.0.0", "01b9218d74799d59"), ("3.0.0", "cb6c08fdfe12a92d"))


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_keys(private_path: Path, public_dir: Path) -> tuple[Path, Path]:
    """Write a new private key (PEM, mode 0600, never committed) and its public key ``<id>.pub`` (PEM).

    Parameters
    ----------
    private_path: where the private key goes; it must not exist yet.
    public_dir: folder for the public key (the committed ``leaderboard/keys``).

    Returns
    -------
    The paths of the private and the public key.
    """
    private_path, public_dir = Path(private_path), Path(public_dir)
    if private_path.exists():
        raise ConfigError(f"{private_path} exists; choose a new path (an existing key is never overwritten)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public_dir.mkdir(parents=True, exist_ok=True)
    public = key.public_key()
    public_path = public_dir / f"{key_id(public)}.pub"
    public_path.write_bytes(public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read a private key written by `generate_keys` (one-line `ConfigError` otherwise)."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a readable Ed25519 private key ({exc}); make one with `mmal-bench keys generate`") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path}: not an Ed25519 private key; make one with `mmal-bench keys generate`")
    return key


def instance_secret(key: Ed25519PrivateKey) -> bytes:
    """The secret the hidden dataset instances are derived from: bound to the maintainers' private key,
    so one key file both signs official results and chooses their instances."""
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return hashlib.sha256(b"mmal-bench hidden instances\0" + raw).digest()


def _release(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        raise ResultIntegrityError(f"benchmark version {version!r} is not of the form X.Y.Z") from None


def pinned_signer(benchmark_version: str) -> str | None:
    """The key id whose signature makes a result of ``benchmark_version`` official (`PINNED_SIGNERS`:
    the latest release at or before it); ``None`` before the first signed release."""
    signer = None
    for release, key in sorted(PINNED_SIGNERS, key=lambda entry: _release(entry[0])):
        if _release(release) <= _release(benchmark_version):
            signer = key
    return signer


def public_keys(folder: Path | None = None) -> dict[str, Ed25519PublicKey]:
    """Every public key under ``folder`` (default `TRUSTED_KEYS_DIR`) by key id, pinned or not (a
    signature by a key that is not pinned is checked, then counts as unofficial); an unreadable key
    file is an error, not skipped."""
    folder = TRUSTED_KEYS_DIR if folder is None else folder
    keys = {}
    for path in sorted(Path(folder).glob("*.pub")) if Path(folder).is_dir() else []:
        try:
            public = serialization.load_pem_public_key(path.read_bytes())
        except ValueError as exc:
            raise ResultIntegrityError(f"{path}: not a PEM public key ({exc})") from None
        if not isinstance(public, Ed25519PublicKey):
            raise ResultIntegrityError(f"{path}: not an Ed25519 public key")
        keys[key_id(public)] = public
    return keys


def trusted_keys(folder: Path | None = None) -> dict[str, Ed25519PublicKey]:
    """The keys under ``folder`` that are pinned maintainers' keys (`PINNED_SIGNERS`); the rest are not trusted."""
    pinned = {key for _, key in PINNED_SIGNERS}
    return {kid: key for kid, key in public_keys(folder).items() if kid in pinned}


def sign_result(result: CellResult, key: Ed25519PrivateKey) -> CellResult:
    """``result`` stamped with the key id, sealed, and signed over its content hash."""
    stamped = result.model_copy(update={"provenance": result.provenance.model_copy(update={"signed_by": key_id(key.public_key())})})
    sealed = stamped.sealed()
    return sealed.model_copy(update={"signature": key.sign(sealed.content_hash.encode()).hex()})


def verify_signature(result: CellResult, keys: dict[str, Ed25519PublicKey], where: Path) -> bool:
    """``True`` for a result signed by one of ``keys``, ``False`` for an unsigned one; a bad signature,
    or one by a key not in ``keys``, raises `ResultIntegrityError` naming ``where``. Whether the signer
    is the release's pinned one is `is_official`'s question."""
    signer, signature = result.provenance.signed_by, result.signature
    if signer is None and signature is None:
        return False
    if signer is None or signature is None:
        raise ResultIntegrityError(f"{where}: half-signed result (signed_by and signature must come together); re-run the official scoring")
    public = keys.get(signer)
    if public is None:
        raise ResultIntegrityError(f"{where}: signed by key {signer}, whose public key is not among the keys in {TRUSTED_KEYS_DIR}")
    try:
        public.verify(bytes.fromhex(signature), content_hash(result).encode())
    except (InvalidSignature, ValueError):
        raise ResultIntegrityError(f"{where}: the signature does not match the content; the file was changed after it was signed") from None
    return True


def is_official(result: CellResult) -> bool:
    """Whether ``result`` names its release's pinned signer (check the signature with `verify_signature`)."""
    prov = result.provenance
    return prov.signed_by is not None and prov.signed_by == pinned_signer(prov.benchmark_version)
