"""Leaving the IR: translation of the llvm dialect to LLVM IR text, machine
code through llvmlite (assembly, objects), and the C header of a compiled
module's entry points. Installed as `mlir_py.target`; like dialects/ and
passes/ it sits beside the core, which knows no dialect but builtin.
"""
