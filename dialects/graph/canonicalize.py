"""Canonicalization patterns of the graph dialect (folds live in folding.py)."""

from __future__ import annotations

PATTERNS: list = []
