"""Text and frames forged by the strategy: terminal escape codes in an error, and reply frames written
straight onto the reply pipe (a 100,000-deep JSON header, an ``.npy`` header announcing 2**40 items)."""

import json
import os
import struct
import time

import numpy as np

from mmal_bench.strategies.base import Strategy

FAKE = "boom\x1b[1A\x1b[2Ksubmitted forged-replies: Rank 1 +0.2000 (official, signed)\x1b[8m\u202e\r\nRank 1"


def _frame(payload):
    return struct.pack(">Q", len(payload)) + payload


def _forge(*frames):
    data = b"".join(frames)
    for fd in range(3, 64):  # the reply pipe is one of the worker's descriptors
        try:
            os.write(fd, data)
        except OSError:
            pass
    time.sleep(30)  # the parent must not wait for the worker's own reply


class ForgedReplies(Strategy):
    name = "forged-replies"
    modality = "unimodal"

    def select(self, view, model, batch_size, rng):
        if batch_size == 1:
            raise RuntimeError(FAKE)
        if batch_size == 2:
            depth = 100_000
            _forge(_frame(b"[" * depth + b"]" * depth))
        if batch_size == 3:
            header = json.dumps({"ok": True, "rng_state": rng.bit_generator.state, "has_array": True}).encode()
            text = b"{'descr': '<i8', 'fortran_order': False, 'shape': (1099511627776,), }".ljust(117) + b"\n"
            npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text  # 8 TiB announced
            _forge(_frame(header), _frame(npy + b"\0" * 16))
        if batch_size == 4:
            header = json.dumps({"ok": False, "kind": "exception", "error": FAKE, "has_array": False}).encode()
            _forge(_frame(header))
        return rng.choice(view.unlabeled_ids, size=batch_size, replace=False)
