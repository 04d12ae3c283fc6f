"""User-facing errors: each carries one line that names what to fix.

The CLI prints ``error: <message>`` and exits with status 2 for any of these; anything else is a bug.
"""

from __future__ import annotations


class MMALBenchError(Exception):
    """Base class of every error a user can cause (bad input, bad file, bad submission)."""


class DatasetNotFoundError(MMALBenchError):
    """Unknown dataset name or version."""


class DatasetIntegrityError(MMALBenchError):
    """A dataset file is missing, corrupted, edited, or its fingerprint does not match the manifest."""


class ConfigError(MMALBenchError):
    """A malformed protocol, suite, run option or metadata file."""


class StrategyError(MMALBenchError):
    """A strategy broke the contract: wrong ids, wrong count, exception, time or memory limit."""


class SubmissionError(MMALBenchError):
    """A submission folder is malformed or its strategy fails validation."""


class ResultIntegrityError(MMALBenchError):
    """A result file is malformed, tampered with, or mixes benchmark versions."""


class StorageError(MMALBenchError):
    """A file cannot be written: disk full, a path too long, no permission, a read-only file system."""


class ExecutorError(MMALBenchError):
    """The workers failed, not the cells: a Dask scheduler that died, a worker process killed again and again."""
