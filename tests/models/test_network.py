"""network.with_absent: the absent embedding replaces exactly the absent (row, modality) pairs, and the
all-present shortcut gives the masked select's values and shapes."""

from __future__ import annotations

import torch

from mmal_bench.models.network import with_absent


def test_all_present_is_the_masked_select_and_keeps_broadcast_shapes() -> None:
    z = torch.randn(2, 2, 5, 3)
    params = {"absent": torch.randn(2, 2, 1, 3)}
    present = torch.ones(2, 2, 5, 1, dtype=torch.bool)
    assert torch.equal(with_absent(params, z, present), torch.where(present, z, params["absent"]))
    several = torch.ones(4, 2, 5, 1, dtype=torch.bool)  # one encoder pass serving several presence patterns
    params_one = {"absent": torch.randn(1, 2, 1, 3)}
    one = z[:1]
    assert with_absent(params_one, one, several).shape == (4, 2, 5, 3)
    present[1, 0, 2] = False
    out = with_absent(params, z, present)
    assert torch.equal(out[1, 0, 2], params["absent"][1, 0, 0]) and torch.equal(out[0], z[0])
