"""Official scoring: cells computed on a hidden instance of every synthetic dataset, stamped and signed.

An official run of the built-ins is long (hours for the standard suite on 2 cores), so, unlike a
submission's own cells, it must survive interruption: each finished cell is signed and written at
once, and a re-run skips the cells already signed by the same key on the same instance. A results
folder holds one kind of result only: an official run refuses a folder with public or otherwise-signed
results in it (mixing them would rank strategies on different data).

The query timings a strategy controls are rounded up to a power of ten in official files
(`coarse_timings`): a strategy that sees the hidden instance could otherwise write it out through
how long it sleeps (the red team decoded four 4-bit symbols of hidden-pool data from one signed file).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mmal_bench.data.schema import BenchmarkData
from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness.protocol import Protocol
from mmal_bench.harness.results import CellResult, harness_hash, instance_of, scored_as, with_provenance
from mmal_bench.harness.signing import instance_secret, key_id, load_private_key, sign_result


#: Timing fields of a round that the strategy controls (by sleeping, spinning or burning energy).
COARSE_FIELDS = ("query_seconds", "query_cpu_seconds", "query_energy_joules")
#: Smallest bucket: anything faster than a millisecond (or a millijoule) is published as 0.001.
COARSE_FLOOR = 1e-3


def coarse(value: float | None) -> float | None:
    """``value`` rounded *up* to a power of ten (at least `COARSE_FLOOR`; ``None`` and 0 stay).

    Why a power of ten: between the floor and a query limit of 120 s there are 6 buckets, so one
    published timing carries at most log2(6) ≈ 2.6 bits a strategy can choose, against the ~40 bits
    of a float timing; and what a reader compares strategies on, their cost's order of magnitude,
    survives. Rounding up never shows a strategy as cheaper than it was.
    """
    if value is None or value <= 0:
        return value
    return max(COARSE_FLOOR, 10.0 ** math.ceil(math.log10(value) - 1e-12))


def coarse_timings(result: CellResult) -> CellResult:
    """``result`` with every round's strategy-controlled timings (`COARSE_FIELDS`) made `coarse`."""
    rounds = [r.model_copy(update={f: coarse(getattr(r, f)) for f in COARSE_FIELDS}) for r in result.rounds]
    return result.model_copy(update={"rounds": rounds})


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
        """``result`` with its complete provenance (`results.with_provenance`), its timings made
        `coarse` and signed."""
        if self._harness is None:
            self._harness = harness_hash()
        return sign_result(coarse_timings(with_provenance(result, instances, self._harness, jailed, submission_hash)), self.key)

    @property
    def pinned(self) -> bool:
        """Whether this key is the pinned signer of the current release (`signing.PINNED_SIGNERS`):
        results signed by any other key render UNOFFICIAL."""
        from mmal_bench.harness.signing import pinned_signer
        from mmal_bench.version import BENCHMARK_VERSION

        return pinned_signer(BENCHMARK_VERSION) == self.signer

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


__all__ = ["OfficialScoring", "coarse", "coarse_timings"]
