"""Dialect conversions (lowerings), one module a source-target pair, named as
upstream names the pass: `<source>_to_<target>.py` declares
`convert-<source>-to-<target>`. Each pass is written on the dialect-conversion
framework (`mlir_py.rewrite.conversion`) and lives here rather than beside
either dialect, so a dialect never imports its lowering.
"""
