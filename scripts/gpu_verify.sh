#!/usr/bin/env bash
# Every reproduction on a lent GPU, in one prepared command that fits the device budget.
#
#   scripts/gpu_verify.sh prepare   here: download the wheels the device lacks into .whl/
#                                   and copy ../shared/data into .data/shared (both
#                                   git-ignored: the device call carries them)
#   scripts/gpu_verify.sh device    on the device: install the wheels, stage the data, run
#                                   every reproduction with 3 seeds on JAX through
#                                   `sprint run --all`, pack the runs into $OUT
#   scripts/gpu_verify.sh cpu       here: the same path on a tiny subset (smoke runs on the
#                                   CPU), so the script is tested before device time is spent
#   scripts/gpu_verify.sh device-overhead / cpu-overhead
#                                   the harness's overhead: `sprint run` against the plain
#                                   train.py, alternating, PAIRS pairs -> $OUT/overhead.json
#
# The device call (see make gpu-verify-command):
#   run(command="bash scripts/gpu_verify.sh device", carry=[".whl", ".data"], timeout_s=600)
# Back here: sprint archive import <files_at>/gpu-runs.tar.gz
#
# Settings (environment): JOBS (parallel jobs, default 8 on the device, 2 here), SEEDS
# (default 3), BUDGET_S (wall-time budget of the runs, default 480), SLUGS (default: all),
# OUT (where the archive goes; the device sets it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-}"
cd "$root"

# What the device lacks (it has numpy, jax, rich, jinja2, matplotlib, h5py, ml-dtypes,
# absl-py, pyyaml): keras and its small pure dependencies, and the manifest writer.
GPU_WHEELS=(keras namex optree tomlkit)
WHEEL_DIR=.whl
DATA_DIR=.data/shared

prepare() {
    rm -rf "$WHEEL_DIR" && mkdir -p "$WHEEL_DIR"
    local platforms=()
    for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 \
             manylinux2014_x86_64 manylinux1_x86_64; do
        platforms+=(--platform "$p")
    done
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp "${platforms[@]}" -d "$WHEEL_DIR" "${GPU_WHEELS[@]}"
    local shared="${SHARED_DATA:-$root/../shared/data}"
    rm -rf "$DATA_DIR" && mkdir -p "$(dirname "$DATA_DIR")"
    cp -r "$shared" "$DATA_DIR"
    local dirty=false
    [[ -n "$(git status --porcelain -- toolkit reproductions scripts)" ]] && dirty=true
    echo "$(git rev-parse HEAD) $dirty" > .data/commit.txt
    du -sh "$WHEEL_DIR" "$DATA_DIR"
}

# sprint without an installed console script: the checkout itself is on PYTHONPATH.
sprint() { "$PYTHON" -m toolkit.cli "$@"; }

stage_and_run() {  # $1: backend, $2: extra `sprint run` flags; needs PYTHON, OUT, mirror
    local backend="$1" extra="$2" summary="$work/summary.json"
    if [[ -f "$DATA_SOURCE/SHA256SUMS" ]]; then
        SHARED_DATA="$DATA_SOURCE" SPRINT="sprint_stage" bash scripts/stage_shared_data.sh \
            --data-dir "$SPRINT_DATA_DIR" > "$work/stage.log"
    else
        echo "no data at $DATA_SOURCE: nothing staged" | tee "$work/stage.log"
        mkdir -p "$SPRINT_DATA_DIR"
    fi
    local selection=(--all)
    [[ -n "${SLUGS:-}" ]] && read -r -a selection <<< "$SLUGS"
    set +e
    # shellcheck disable=SC2086
    timeout --signal=INT "${BUDGET_S:-480}" "$PYTHON" -m toolkit.cli run "${selection[@]}" \
        --jobs "$JOBS" --seeds "${SEEDS:-3}" --backend "$backend" $extra \
        --summary "$summary" 2>&1 | tee "$work/run.log"
    local status=${PIPESTATUS[0]}
    set -e
    echo "sprint run exited $status"
    sprint archive pack --summary "$summary" --output "$OUT/gpu-runs.tar.gz"
    cp "$summary" "$OUT/summary.json"
    for slug in $("$PYTHON" -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["verdicts"]))' "$summary"); do
        sprint check "$slug" --format json > "$work/check-$slug.json" 2>&1 || true
    done
    tar czf "$OUT/checks.tar.gz" -C "$work" $(cd "$work" && ls check-*.json 2>/dev/null) \
        stage.log run.log
}

device_setup() {
    : "${OUT:?OUT is set by the device tool}"
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site "$WHEEL_DIR"/*.whl
    export PYTHONPATH="$root:/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
    export PYTHON=python3 KERAS_BACKEND=jax SPRINT_OFFLINE=1
    export SPRINT_DATA_DIR=/tmp/sprint-mirror DATA_SOURCE="$root/$DATA_DIR"
    # The device's copy of the tree has no .git: `prepare` recorded the commit it came from.
    if [[ -f .data/commit.txt ]]; then
        read -r SPRINT_GIT_COMMIT SPRINT_GIT_DIRTY < .data/commit.txt
        export SPRINT_GIT_COMMIT SPRINT_GIT_DIRTY
    fi
    work=$(mktemp -d)
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
}

device() {
    device_setup
    JOBS="${JOBS:-8}"
    stage_and_run jax ""
}

# The harness's overhead: `sprint run SLUG` against the same train.py run plainly (only its
# downloads served from the mirror), one process each, alternating, PAIRS pairs.
overhead() {
    local slug="${OVERHEAD_SLUG:-mnist_convnet}" pairs="${PAIRS:-3}" walls=()
    local folder="${SPRINT_ROOT:-$root}/reproductions/$slug"
    [[ -f "$DATA_SOURCE/SHA256SUMS" ]] && SHARED_DATA="$DATA_SOURCE" SPRINT="sprint_stage" \
        bash scripts/stage_shared_data.sh --data-dir "$SPRINT_DATA_DIR" > "$work/stage.log"
    for _ in $(seq "$pairs"); do
        local t0 t1 t2
        t0=$(date +%s.%N)
        sprint run "$slug" --seeds 1 --backend jax --no-save-model --quiet > /dev/null
        t1=$(date +%s.%N)
        KERAS_BACKEND=jax "$PYTHON" -m toolkit.harness.plain "$folder" > /dev/null 2>&1
        t2=$(date +%s.%N)
        walls+=("$t0 $t1 $t2")
    done
    "$PYTHON" - "$OUT/overhead.json" "$slug" "${walls[@]}" <<'PY'
import json, statistics, sys
out, slug, *rows = sys.argv[1:]
pairs = [tuple(map(float, r.split())) for r in rows]
harness = [t1 - t0 for t0, t1, _ in pairs]
plain = [t2 - t1 for _, t1, t2 in pairs]
ratios = [h / p for h, p in zip(harness, plain)]
json.dump({"slug": slug, "sprint_run_s": harness, "plain_s": plain, "ratio": ratios,
           "median_ratio": statistics.median(ratios)}, open(out, "w"), indent=2)
print(f"sprint run / plain train.py: median {statistics.median(ratios):.3f} over {len(pairs)} pairs")
PY
}

cpu_setup() {
    export PYTHON="${PYTHON:-$root/.venv/bin/python}"
    export SPRINT_OFFLINE=1 SPRINT_DATA_DIR="${SPRINT_DATA_DIR:-$(mktemp -d)}"
    export DATA_SOURCE="${SHARED_DATA:-$root/../shared/data}"
    export OUT="${OUT:-$root/build/gpu-verify-cpu}"
    export SLUGS="${SLUGS:-mnist_convnet antirectifier}" SEEDS="${SEEDS:-1}"
    JOBS="${JOBS:-2}"
    if [[ -z "${SPRINT_ROOT:-}" ]]; then  # a scratch copy: this checkout's runs/ stay as they are
        SPRINT_ROOT=$(mktemp -d)
        mkdir -p "$SPRINT_ROOT/reproductions"
        for slug in $SLUGS; do
            rsync -a --exclude runs/ "reproductions/$slug" "$SPRINT_ROOT/reproductions/" 2>/dev/null \
                || { cp -r "reproductions/$slug" "$SPRINT_ROOT/reproductions/";
                     rm -rf "$SPRINT_ROOT/reproductions/$slug/runs"; }
        done
        export SPRINT_ROOT
    fi
    mkdir -p "$OUT"
    work=$(mktemp -d)
}

cpu() {
    cpu_setup
    stage_and_run jax "--smoke"
}

# stage_shared_data.sh calls "$SPRINT" data add ...: route it through this checkout.
sprint_stage() { sprint "$@"; }
export -f sprint sprint_stage 2>/dev/null || true

case "$mode" in
    prepare) prepare ;;
    device) device ;;
    device-overhead) device_setup; overhead ;;
    cpu) cpu ;;
    cpu-overhead) cpu_setup; overhead ;;
    *) echo "usage: $0 prepare|device|device-overhead|cpu|cpu-overhead" >&2; exit 2 ;;
esac
