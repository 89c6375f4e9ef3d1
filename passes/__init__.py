"""The shipped passes, in two homes:

- `transforms/`: passes that keep the IR in its dialects (canonicalize, cse,
  inline, sccp, ...), one module a pass.
- `conversions/`: lowerings from one dialect to another, one module a
  source-target pair named as upstream names them (`scf_to_cf.py` for
  `convert-scf-to-cf`, `arith_to_llvm.py` for `convert-arith-to-llvm`).

The pass registry imports every module under `mlir_py.passes` the first time
a pass name is looked up, so a new file here needs no wiring.
"""
