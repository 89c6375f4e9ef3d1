"""Whole-IR checks and queries: the verifier (structure, dominance,
per-op constraints) and symbol tables."""
