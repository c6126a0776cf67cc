"""Conformance matrices: every in-scope onepin SDK method and CLI command against the mock.

``main(argv)`` implements ``onepin-mock conformance``; ``python -m mockserver.conformance``
is the same entry point (the tests use it to run a matrix with another SDK version).
"""

from __future__ import annotations

from .report import main

__all__ = ["main"]
