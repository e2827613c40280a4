#!/usr/bin/env bash
# The measurements docs/benchmarks.md still lacks, in one run on one GPU (at most 8 min):
# reference ratio and time to 30 dB at 256x256, fraction of peak FLOP/s, TF32 and bfloat16,
# the closed-form derivatives, the stacked sweep's throughput, then the seed report's
# image-fitting table at full size. Writes one markdown file naming the device.
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

section() {  # section LIMIT_S TITLE SCRIPT ARGS...
    local limit=$1 title=$2
    shift 2
    printf '\n## %s\n\n`python %s`\n\n' "$title" "$*" >> "$OUT"
    local start=$SECONDS
    timeout "$limit" "$PYTHON" -W ignore "$@" >> "$OUT" 2> "$OUT.err"
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
    section 60 "Reference ratio and time to quality" benchmarks/reference.py --sizes 16 --steps 2 --repeats 1 --quality --quality-epochs 5 --device cpu
    section 30 "Fraction of peak FLOP/s" benchmarks/scaling.py --small --steps 1 --peak 100 --device cpu
    section 30 "TF32 and bfloat16" benchmarks/precision.py --side 16 --epochs 3 --device cpu
    section 30 "Closed-form derivatives" benchmarks/derivatives.py --sides 16 --width 16 --repeats 1 --device cpu
    section 90 "Stacked sweeps" benchmarks/sweeps.py --quick --epochs 2 --device cpu
    section 30 "Image-fitting table" benchmarks/image_table.py --images 1 --crop 16 --epochs 3 --width 16 --device cpu
else
    section 90 "Reference ratio and time to quality (256x256)" benchmarks/reference.py --sizes 256 --quality
    # H100/H200 SXM float32 (non-tensor) peak: 67 TFLOP/s.
    section 40 "Fraction of peak FLOP/s" benchmarks/scaling.py --peak 67000
    section 50 "TF32 and bfloat16" benchmarks/precision.py --side 256
    section 40 "Closed-form derivatives" benchmarks/derivatives.py --sides 128,256
    section 60 "Stacked sweeps" benchmarks/sweeps.py --quick --epochs 200 --device cuda
    section 180 "Image-fitting table (11 whole LR images, 5000 epochs)" benchmarks/image_table.py
fi
rm -f "$OUT.err"
echo "wrote $OUT" >&2
exit $FAILED
