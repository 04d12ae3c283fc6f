"""Official scoring: cells computed on a hidden instance of every synthetic dataset, stamped and signed.

An official run of the built-ins is long (hours for the standard suite on 2 cores), so, unlike a
submission's own cells, it must survive interruption: each finished cell is signed and written at
once, and a re-run skips the cells already signed by the same key on the same instance. A results
folder holds one kind of result only: an official run refuses a folder with public or otherwise-signed
results in it (mixing them would rank strategies on different data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mmal_bench.data.schema import BenchmarkData
from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness.protocol import Protocol
from mmal_bench.harness.results import CellResult, harness_hash, instance_of, scored_as, with_provenance
from mmal_bench.harness.signing import instance_secret, key_id, load_private_key, sign_result


@dataclass
class OfficialScoring:
    """The maintainers' key and the hidden instance an official run scores on.

    ``key`` both signs the results and chooses the instances (`signing.instance_secret`), so only its
    holder can compute, and later reveal, the hidden data.
    """

    key: Ed25519PrivateKey
    instance: int = 1
    _harness: str | None = field(default=None, repr=False)

    @classmethod
    def from_key_file(cls, path: Path, instance: int = 1) -> OfficialScoring:
        """Load the private key at ``path`` (one-line `ConfigError` when it is not one)."""
        return cls(load_private_key(path), instance)

    @property
    def signer(self) -> str:
        return key_id(self.key.public_key())

    def datasets(self, protocols: Sequence[Protocol]) -> dict[str, BenchmarkData]:
        """The hidden instance of every synthetic dataset of ``protocols`` by ``name@version`` (real
        datasets have none: they run on their public data, instance 0)."""
        from mmal_bench.data.instances import build_instance, has_hidden_instances

        secret = instance_secret(self.key)
        data: dict[str, BenchmarkData] = {}
        for p in protocols:
            if p.dataset_ref not in data and has_hidden_instances(p.dataset, p.dataset_version):
                data[p.dataset_ref] = build_instance(secret, p.dataset, p.dataset_version, self.instance)
        return data

    def finalize(self, result: CellResult, instances: Mapping[str, int], jailed: bool | None = None, submission_hash: str | None = None) -> CellResult:
        """``result`` with its complete provenance (`results.with_provenance`) and signed."""
        if self._harness is None:
            self._harness = harness_hash()
        return sign_result(with_provenance(result, instances, self._harness, jailed, submission_hash), self.key)

    def check_existing(self, result: CellResult, path: Path, instances: Mapping[str, int]) -> None:
        """Refuse a result in the folder that this official run did not make (another key, another
        instance, or a public result)."""
        if not scored_as(result, instances, self.signer):
            prov = result.provenance
            made = f"signed by {prov.signed_by}, instance {prov.instance or 0}" if prov.signed_by else "a public (unsigned) result"
            raise ResultIntegrityError(
                f"{path} is {made}, not an official result of key {self.signer} on instance {instance_of(result, instances)}; "
                "write this official run to its own --out directory"
            )


__all__ = ["OfficialScoring"]
