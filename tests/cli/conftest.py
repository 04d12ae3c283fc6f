"""The tiny ``clitest`` suite (see tests/suite_factory.py) as a fixture for end-to-end CLI tests."""

from __future__ import annotations

import pytest
from suite_factory import tiny_suite as _tiny_suite


@pytest.fixture
def tiny_suite(monkeypatch):
    yield from _tiny_suite(monkeypatch)
