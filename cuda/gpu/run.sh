#!/usr/bin/env bash
# On a GPU machine, from the repository root, after cuda/gpu/bundle.sh: records the machine, runs the
# cuda module's tests (kernels against host references, same gradients for every strategy, measured
# peaks against the planner, cross-check), then sweeps into a row log that `accessplan import` turns
# into a dataset. Everything lands in $OUT (default gpu-out/). Each stage is time-boxed; rows are
# flushed one by one, so a stage cut short still leaves what it measured.
# Settings (environment): TEST_S (default 150; 0 skips the tests), SWEEP_S (300), BUDGET_S (3/4 of SWEEP_S), PRESET (small), MAX_PARAMS (1e8),
# MAX_TFLOP (0: any), MAX_WORKLOADS (40), CAP_GIB (4), REPEATS (3), SEED (42), BACKEND (cuda).
set -u
# Every setting is checked before use and only ever passed as a quoted word: no environment value is
# evaluated (bash arithmetic on a value such as 'a[$(cmd)]' would run the command).
die() { echo "run.sh: $*" >&2; exit 2; }
int_setting() {   # NAME DEFAULT: the value of $NAME, a non-negative integer, or exit 2 naming it
  local v="${!1:-$2}"
  [[ "$v" =~ ^[0-9]{1,9}$ ]] || die "invalid $1: '$v' (expected a non-negative integer)"
  printf '%s' "$((10#$v))"
}
num_setting() {   # NAME DEFAULT: a plain decimal or scientific number (1e8, 0.5), or exit 2 naming it
  local v="${!1:-$2}"
  [[ "$v" =~ ^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$ ]] || die "invalid $1: '$v' (expected a number such as 1e8)"
  printf '%s' "$v"
}
word_setting() {  # NAME DEFAULT: a name made of letters, digits, '.', '_' and '-'
  local v="${!1:-$2}"
  [[ "$v" =~ ^[A-Za-z0-9._-]*$ ]] || die "invalid $1: '$v' (expected letters, digits, '.', '_' or '-')"
  printf '%s' "$v"
}
test_s=$(int_setting TEST_S 150) || exit 2
sweep_s=$(int_setting SWEEP_S 300) || exit 2
budget_s=$(int_setting BUDGET_S $((sweep_s * 3 / 4))) || exit 2
max_workloads=$(int_setting MAX_WORKLOADS 40) || exit 2
repeats=$(int_setting REPEATS 3) || exit 2
seed=$(int_setting SEED 42) || exit 2
max_params=$(num_setting MAX_PARAMS 1e8) || exit 2
max_tflop=$(num_setting MAX_TFLOP 0) || exit 2
cap_gib=$(num_setting CAP_GIB 4) || exit 2
preset=$(word_setting PRESET small) || exit 2
backend=$(word_setting BACKEND cuda) || exit 2
device=$(word_setting DEVICE "") || exit 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT:-$root/gpu-out}"
mkdir -p -- "$out" || die "cannot create OUT directory '$out'"
b="$root/gpu-bundle"
started=$(date +%s)
work=""
trap '[ -n "$work" ] && rm -rf -- "$work"' EXIT
if [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ]; then
  java="$JAVA_HOME/bin/java"
elif command -v java >/dev/null && java -version 2>&1 | grep -q -E 'version "(1[7-9]|2[0-9])'; then
  java=java
else
  # a private directory of this run (mktemp -d: mode 700, a fresh name), removed on exit
  work="$(mktemp -d "${TMPDIR:-/tmp}/accessplan-jre.XXXXXXXX")" || die "cannot make a temporary directory"
  tar xzf "$b/jre.tgz" -C "$work" || die "cannot unpack $b/jre.tgz"
  java="$work/jre/bin/java"
fi
# JCublas 12.6 links libcublas.so.12: find one (CUDA 12 toolkit, or a pip nvidia-cublas-cu12 wheel)
for d in /usr/local/cuda-12*/lib64 /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu \
         $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null | tr ' ' '\n' | sed 's|$|/nvidia/cublas/lib|'); do
  if [ -e "$d/libcublas.so.12" ]; then export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; break; fi
done
cp="$(ls "$b"/lib/*.jar | tr '\n' ':')"
# Provenance: facts about the run (versions, the GPU, counts), not the host's file system or names.
{
  date -u +%FT%TZ; echo "commit $(cat "$b/commit" 2>/dev/null)"
  "$java" -version 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv 2>&1
  nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | head -1
  echo "libraries: $(ldconfig -p 2>/dev/null | grep -o -E 'lib(cuda|cublas)\.so\.[0-9.]+' | sort -u | tr '\n' ' ')"
  echo "cpus $(nproc)"; free -g 2>/dev/null | awk '/^Mem:/ {print "memory_gib " $2}'; echo "kernel $(uname -sr)"
} >"$out/env.txt" 2>&1
echo "env: $(( $(date +%s) - started )) s"
if [ "$test_s" != 0 ]; then
  timeout "$test_s" "$java" -Xmx8g -cp "$cp" io.accessplan.cuda.GpuTestMain >"$out/tests.txt" 2>&1
  echo "tests: exit $? at $(( $(date +%s) - started )) s"
  grep -E "tests (successful|failed|skipped|aborted)|^FAILED|CONTAINER" "$out/tests.txt" | head -20
fi
timeout "$sweep_s" "$java" -Xmx16g -cp "$cp" io.accessplan.collector.RowLogSweep --backend "$backend" \
  --preset "$preset" --max-params "$max_params" --max-step-tflop "$max_tflop" --max-workloads "$max_workloads" \
  --memory-cap-gib "$cap_gib" --repeats "$repeats" --seed "$seed" \
  --budget-seconds "$budget_s" ${device:+--device "$device"} --out "$out/rows.jsonl" \
  >"$out/sweep.txt" 2>"$out/sweep.log"
rc=$?
lines=$(wc -l <"$out/rows.jsonl" 2>/dev/null || echo 1)
echo "sweep: exit $rc at $(( $(date +%s) - started )) s; $(( lines > 0 ? lines - 1 : 0 )) rows"
tail -3 "$out/sweep.log"; cat "$out/sweep.txt"
