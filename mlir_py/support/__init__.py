"""Plain-Python support under every layer (it imports nothing of mlir_py):
pausing the garbage collector around bulk IR work, reporting exceptions that
escape user code (verifiers, folders, printers, passes), and loading the user
files given to `--load-dialect` / `--load-pass-plugin`."""
