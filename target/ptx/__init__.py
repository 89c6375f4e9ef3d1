"""PTX for the kernels of gpu.modules, through LLVM's NVPTX backend (docs/ptx.md).

```python
from mlir_py.target.ptx import gpu_module_ptx, emit_ptx
ptx_by_module = gpu_module_ptx(module, arch="sm_80")   # {"kernels": ".version 7.0\\n.target sm_80 ..."}
```
"""

from mlir_py.target.ptx.emit import (  # noqa: F401
    NVPTX_TRIPLE,
    DeviceModule,
    PTXError,
    PTXTarget,
    check_arch,
    compile_llvm_ir_to_ptx,
    device_modules,
    device_target,
    emit_ptx,
    gpu_module_ptx,
    llvm_ir,
)

__all__ = ["NVPTX_TRIPLE", "DeviceModule", "PTXError", "PTXTarget", "check_arch", "compile_llvm_ir_to_ptx",
           "device_modules", "device_target", "emit_ptx", "gpu_module_ptx", "llvm_ir"]
