#!/usr/bin/env bash
# The GPU run, within 9 minutes on one GPU: the CUDA test module, then the measurements of
# the lean training step (issue 28), the GPU rows docs/benchmarks.md lacks, the time to
# quality of issue 30's levers and the PDE tables (issue 31). Writes one
# markdown file naming the device; every section appends its rows as it measures them
# (python -u), stops starting new work when its budget is spent, and is killed at its
# limit, so a run cut short keeps what it measured.
#
#   bash benchmarks/gpu.sh [OUT.md]           # on a CUDA machine
#   bash benchmarks/gpu.sh --smoke [OUT.md]   # the same code paths on the CPU, tiny (< 3 min)
#
# A section that fails or runs past its limit is reported in the file and the run goes on;
# the exit status is non-zero if any section failed (the smoke test checks it).
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
SMOKE=0
if [ "${1:-}" = "--smoke" ]; then SMOKE=1; shift; fi
OUT=${1:-benchmarks/gpu_results.md}
FAILED=0

device=$("$PYTHON" -c "import torch; print(torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu (no CUDA device)')")
{
    echo "# GPU measurements ($(date -u +%F), $device)"
    echo
    echo "torch $("$PYTHON" -c 'import torch; print(torch.__version__)'), mode: $([ $SMOKE = 1 ] && echo smoke || echo full)"
} > "$OUT"

section() {  # section LIMIT_S TITLE ARGS... (ARGS: a script and its options, or -m MODULE ...)
    local limit=$1 title=$2
    shift 2
    printf '\n## %s\n\n`python %s`\n\n' "$title" "$*" >> "$OUT"
    local start=$SECONDS
    PYTHONPATH="benchmarks${PYTHONPATH:+:$PYTHONPATH}" timeout "$limit" "$PYTHON" -u -W ignore "$@" >> "$OUT" 2> "$OUT.err"
    local status=$?
    echo >> "$OUT"
    echo "($((SECONDS - start)) s, exit $status)" >> "$OUT"
    if [ $status -ne 0 ]; then
        FAILED=1
        echo "FAILED: $title (exit $status)" >&2
        { echo '```'; tail -n 5 "$OUT.err"; echo '```'; } >> "$OUT"
    fi
}

if [ $SMOKE = 1 ]; then
    export CUDA_VISIBLE_DEVICES=""
    section 60 "CUDA test module" -m pytest tests/test_cuda.py -v -rs -p no:cacheprovider -o addopts=""
    section 60 "Step time: kernels against the wall clock" benchmarks/step_time.py --sides 16 --steps 2 --device cpu --budget 30
    section 60 "Time to 30 and 40 dB: tutorial loop against SirenRegressor()" benchmarks/reference.py --sizes 16 --steps 2 --repeats 1 --methods reference,estimator --quality --quality-epochs 5 --device cpu
    section 60 "Per-device defaults" benchmarks/device_defaults.py --side 16 --epochs 2 --batches none,128 --device cpu --budget 40
    section 90 "Stacked sweeps" benchmarks/sweeps.py --quick --epochs 2 --plain-jobs 1 --device cpu --budget 60
    section 30 "Image-fitting table" benchmarks/image_table.py --images 1 --crop 16 --epochs 3 --width 16 --device cpu --budget 20
    section 60 "Time to quality" benchmarks/time_to_quality.py --side 128 --seconds 1 --epochs 1 --photos astronaut --skip-between --device cpu
    section 60 "Partial differential equations" benchmarks/pde.py --epochs 3 --points 12 --width 8
else
    # H100/H200 SXM float32 (non-tensor) peak: 67 TFLOP/s.
    section 100 "CUDA test module" -m pytest tests/test_cuda.py -v -rs -p no:cacheprovider -o addopts=""
    section 45 "Step time: kernels against the wall clock" benchmarks/step_time.py --sides 64,256 --steps 30 --peak 67000 --budget 35
    section 45 "Time to 30 and 40 dB: tutorial loop against SirenRegressor()" benchmarks/reference.py --sizes 256 --steps 10 --repeats 1 --methods reference,estimator --quality --quality-epochs 300
    section 70 "Per-device defaults" benchmarks/device_defaults.py --budget 60
    section 50 "Stacked sweeps" benchmarks/sweeps.py --quick --epochs 200 --plain-jobs 1 --device cuda --budget 35
    section 130 "Image-fitting table (11 whole LR images, 5000 epochs)" benchmarks/image_table.py --budget 120
    section 40 "Time to quality" benchmarks/time_to_quality.py --photos astronaut --seconds 6 --skip-between --candidates "SirenRegressor();hash grid, ReLU 2x64;SIREN, weight_scale=1.5"
    section 60 "Partial differential equations" benchmarks/pde.py --skip-scales
fi
rm -f "$OUT.err"
echo "wrote $OUT" >&2
exit $FAILED
