"""one-shot-bufferize and buffer-planning: tensors to buffers, then buffers planned.

- `model.py`: the per-op bufferization models (upstream's BufferizableOpInterface as data)
  and their registry; one `*_models.py` file per dialect registers its ops.
- `analysis.py`: the in-place analysis (alias sets, read-after-write conflicts).
- `driver.py`: the rewrite, function boundaries included.
- `one_shot.py`: the `one-shot-bufferize` pass; `planning.py`: `buffer-planning`.

docs/bufferization.md ("## Passes") describes both algorithms.
"""

from . import arith_models, bufferization_models, func_models, linalg_models, scf_models, tensor_models  # noqa: F401
