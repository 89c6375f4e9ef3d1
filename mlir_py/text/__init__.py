"""The text format: lexer, attribute/type parser, op parser and printer.

Built on `mlir_py.ir`, `mlir_py.definition` (the compiled assembly formats of
ops) and `mlir_py.builtin` (the module op that wraps top-level ops).
"""
