"""Fixtures of the source reader tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._fixtures import FIXTURES as _FIXTURES


@pytest.fixture
def FIXTURES() -> Path:
    """The shared payload fixtures directory (read only)."""
    return _FIXTURES
