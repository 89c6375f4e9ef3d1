#!/usr/bin/env bash
# The GPU check, in one short run (< 4 minutes) on a machine with an NVIDIA GPU:
# install the project into a virtual environment, run the GPU execution tests, run
# benchmarks/gpu.py, print everything. Nothing here needs the network when the
# machine already has numpy and llvmlite (as the device machines' image does):
# the venv sees the system's packages, and the project's own pure-Python
# dependency (lark) comes from .whl/ when it is not installed.
#
# From a session that has a device machine (docs/gpu-runtime.md, "Checking on a GPU"):
#   python3 -m pip download --no-deps -d .whl lark==1.3.1   # .whl/ is git-ignored
#   run(command="bash benchmarks/gpu_check.sh", carry=[".whl"], timeout_s=420)
# Output: the environment, the tests' summary, the benchmark's ratios. Exit status 0
# only when the GPU tests passed (the benchmark's numbers are reported, not judged).
set -u
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
OUT_DIR=${OUT:-/tmp/mlir_py_gpu_check}
mkdir -p "$OUT_DIR"
VENV=/tmp/mlir_py_gpu_venv
start=$(date +%s)

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "(no nvidia-smi)"
python3 --version

echo "== install"
python3 -m venv --system-site-packages "$VENV" || exit 1
PIP=("$VENV/bin/pip" install -q)
mkdir -p .whl
# offline first (the machine's packages and the carried wheels), then from the package index
if ! "${PIP[@]}" --no-build-isolation --no-index --find-links .whl -e . pytest 2>"$OUT_DIR/pip_offline.log"; then
  echo "(offline install incomplete, $(tail -1 "$OUT_DIR/pip_offline.log"): trying the package index)"
  "${PIP[@]}" -e . pytest || exit 1
fi
ls .whl/nvidia_cuda_nvcc-*.whl >/dev/null 2>&1 && "${PIP[@]}" --no-deps .whl/nvidia_cuda_nvcc-*.whl
"$VENV/bin/python" -c "import numpy, llvmlite; print('numpy', numpy.__version__, 'llvmlite', llvmlite.__version__)"
"$VENV/bin/python" - <<'EOF'
from mlir_py.execution import cuda
reason = cuda.unavailable_reason()
if reason:
    print("CUDA unavailable:", reason)
else:
    ctx = cuda.default_context()
    print("device:", ctx.device, "driver CUDA", cuda.get_driver().version())
EOF
echo "install: $(( $(date +%s) - start )) s"

echo "== GPU tests"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider -rs test/unit/test_gpu_execution.py test/unit/test_cuda_runtime.py \
    2>&1 | tee "$OUT_DIR/gpu_tests.log"
tests=${PIPESTATUS[0]}
echo "tests: $(( $(date +%s) - start )) s"

echo "== benchmarks/gpu.py"
timeout 150 "$VENV/bin/python" benchmarks/gpu.py 2>&1 | tee "$OUT_DIR/gpu_bench.log"
echo "total: $(( $(date +%s) - start )) s"
exit "$tests"
