#!/usr/bin/env bash
# On a GPU machine, from the repository root, after cuda/gpu/bundle.sh: records the machine, runs the
# cuda module's tests (kernels against host references, same gradients for every strategy, measured
# peaks against the planner, cross-check), then sweeps into a row log that `accessplan import` turns
# into a dataset. Everything lands in $OUT (default gpu-out/). Each stage is time-boxed; rows are
# flushed one by one, so a stage cut short still leaves what it measured.
# Settings (environment): TEST_S (default 150; 0 skips the tests), SWEEP_S (300), BUDGET_S (3/4 of SWEEP_S), PRESET (small), MAX_PARAMS (1e8),
# MAX_TFLOP (0: any), MAX_WORKLOADS (40), CAP_GIB (4), REPEATS (3), SEED (42), BACKEND (cuda).
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT:-$root/gpu-out}"
mkdir -p "$out"
b="$root/gpu-bundle"
started=$(date +%s)
if [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ]; then
  java="$JAVA_HOME/bin/java"
elif command -v java >/dev/null && java -version 2>&1 | grep -q -E 'version "(1[7-9]|2[0-9])'; then
  java=java
else
  tar xzf "$b/jre.tgz" -C /tmp && java=/tmp/jre/bin/java
fi
# JCublas 12.6 links libcublas.so.12: find one (CUDA 12 toolkit, or a pip nvidia-cublas-cu12 wheel)
for d in /usr/local/cuda-12*/lib64 /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu \
         $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null | tr ' ' '\n' | sed 's|$|/nvidia/cublas/lib|'); do
  if [ -e "$d/libcublas.so.12" ]; then export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; break; fi
done
cp="$(ls "$b"/lib/*.jar | tr '\n' ':')"
{
  date -u +%FT%TZ; echo "commit $(cat "$b/commit" 2>/dev/null)"; echo "java $java"; "$java" -version 2>&1
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  nvidia-smi 2>&1; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv 2>&1
  ls -l /usr/local/ 2>&1 | grep -i cuda; ldconfig -p 2>/dev/null | grep -E 'libcuda\.so|libcublas\.so'
  nproc; free -g; uname -a
} >"$out/env.txt" 2>&1
echo "env: $(( $(date +%s) - started )) s"
if [ "${TEST_S:-150}" != 0 ]; then
  timeout "${TEST_S:-150}" "$java" -Xmx8g -cp "$cp" io.accessplan.cuda.GpuTestMain >"$out/tests.txt" 2>&1
  echo "tests: exit $? at $(( $(date +%s) - started )) s"
  grep -E "tests (successful|failed|skipped|aborted)|^FAILED|CONTAINER" "$out/tests.txt" | head -20
fi
sweep_s="${SWEEP_S:-300}"
timeout "$sweep_s" "$java" -Xmx16g -cp "$cp" io.accessplan.collector.RowLogSweep --backend "${BACKEND:-cuda}" \
  --preset "${PRESET:-small}" --max-params "${MAX_PARAMS:-1e8}" --max-step-tflop "${MAX_TFLOP:-0}" --max-workloads "${MAX_WORKLOADS:-40}" \
  --memory-cap-gib "${CAP_GIB:-4}" --repeats "${REPEATS:-3}" --seed "${SEED:-42}" \
  --budget-seconds "${BUDGET_S:-$(( sweep_s * 3 / 4 ))}" ${DEVICE:+--device "$DEVICE"} --out "$out/rows.jsonl" \
  >"$out/sweep.txt" 2>"$out/sweep.log"
echo "sweep: exit $? at $(( $(date +%s) - started )) s; $(($(wc -l <"$out/rows.jsonl" 2>/dev/null || echo 1) - 1)) rows"
tail -3 "$out/sweep.log"; cat "$out/sweep.txt"
