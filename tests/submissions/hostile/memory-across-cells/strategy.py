"""Remembers every label it is shown in a module global and uses them in later cells on the same pool
(labels bought in seed 0 would then steer seed 1's queries). It raises when it knows a label the
view does not hold, so the test sees any leak."""

import numpy as np

from mmal_bench.strategies.base import Strategy

SEEN: dict[int, int] = {}


class MemoryAcrossCells(Strategy):
    name = "memory-across-cells"
    modality = "unimodal"

    def select(self, view, model, batch_size, rng):
        ids = np.asarray(view.unlabeled_ids)
        known = [int(i) for i in ids if int(i) in SEEN]  # labels this view does not hold
        SEEN.update(zip(map(int, view.labeled_ids), map(int, view.labeled_labels)))
        if known:
            raise RuntimeError(f"leaked {len(known)} labels")
        return ids[:batch_size]
