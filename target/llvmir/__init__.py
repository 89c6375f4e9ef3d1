"""Translation of the llvm dialect to LLVM IR text (`translate_module_to_llvmir`) and machine code
through llvmlite (`codegen`)."""

from mlir_py.target.llvmir.translate import (  # noqa: F401
    ModuleTranslator,
    TranslationError,
    find_untranslatable_op,
    translate_module_to_llvmir,
)

__all__ = ["ModuleTranslator", "TranslationError", "find_untranslatable_op", "translate_module_to_llvmir"]
