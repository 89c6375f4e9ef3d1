"""Defining dialects: op declarations (`opdef`), constraints, traits and
interfaces, enums, ODS-style assembly formats, and the `Dialect` that groups
them. Built on `mlir_py.ir`; every dialect, shipped or a user's, is written
with this layer alone.
"""
