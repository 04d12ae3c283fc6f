"""Submitted strategies: metadata schema, the process sandbox they run in, and the `submit` pipeline.

Sits on top of the leaderboard stage: it merges submissions into the leaderboard's strategy catalog.
"""

from __future__ import annotations

from mmal_bench.submissions.catalog import full_catalog, source_hash, submission_catalog, submission_folders
from mmal_bench.submissions.metadata import SubmissionMetadata, load_metadata
from mmal_bench.submissions.sandbox import SandboxedStrategy, SandboxLimits

__all__ = [
    "SandboxLimits",
    "SandboxedStrategy",
    "SubmissionMetadata",
    "full_catalog",
    "load_metadata",
    "source_hash",
    "submission_catalog",
    "submission_folders",
    "submit",
]


def __getattr__(name: str):
    # Lazy: the pipeline imports the harness (torch); the sandbox worker imports this package too.
    if name == "submit":
        from mmal_bench.submissions.submit import submit

        return submit
    raise AttributeError(f"module 'mmal_bench.submissions' has no attribute {name!r}")
