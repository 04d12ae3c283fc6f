"""Submitted strategies: metadata schema, the process sandbox they run in, and the `submit` pipeline.

Sits on top of the leaderboard stage: it merges submissions into the leaderboard's strategy catalog.
"""

from __future__ import annotations

from mmal_bench._lazy import lazy_getattr

__all__ = [
    "SandboxLimits",
    "SandboxedStrategy",
    "SubmissionMetadata",
    "full_catalog",
    "load_metadata",
    "published_catalog",
    "source_hash",
    "submission_catalog",
    "submission_folders",
    "submit",
]


_EXPORTS = {
    "full_catalog": "catalog",
    "published_catalog": "catalog",
    "source_hash": "catalog",
    "submission_catalog": "catalog",
    "submission_folders": "catalog",
    "SubmissionMetadata": "metadata",
    "load_metadata": "metadata",
    "SandboxLimits": "sandbox",
    "SandboxedStrategy": "sandbox",
    "submit": "submit",
}


# Lazy: the sandbox worker process imports this package and must start fast; the pipeline
# imports the harness and torch.
__getattr__ = lazy_getattr(__name__, _EXPORTS)
