#!/usr/bin/env bash
# Regenerates the PTX resources of the CUDA backend from src/main/cuda/*.cu.
# The PTX is committed: CI and users never need nvcc, only a driver (libcuda.so.1).
#
# Target: compute_80 (A100 and newer; H100 JIT-compiles it). nvcc 13 writes `.version 9.0`,
# which CUDA 12.x drivers reject (a driver accepts PTX up to the ISA of its CUDA release:
# 12.0 -> 8.0 ... 12.9 -> 8.8). The kernels use nothing newer than PTX ISA 8.0 (ptxas below checks it),
# so the directive is lowered to PTX_VERSION (default 8.0, CUDA 12.0), and every file is then
# checked with ptxas for sm_80 and sm_90 at that version.
#
# Usage: cuda/build-ptx.sh   (finds nvcc on PATH or in /usr/local/cuda*/bin)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda"
out="$here/src/main/resources/io/accessplan/cuda/ptx"
PTX_VERSION="${PTX_VERSION:-8.0}"

find_tool() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
    if [ -x "$d/$1" ]; then echo "$d/$1"; return; fi
  done
  echo "build-ptx.sh: $1 not found on PATH or in /usr/local/cuda*/bin" >&2
  exit 2
}
nvcc="$(find_tool nvcc)"
ptxas="$(find_tool ptxas)"
mkdir -p "$out"
echo "nvcc: $("$nvcc" --version | tail -n 2 | head -n 1)"
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  tmp="$(mktemp)"
  "$nvcc" -ptx -arch=compute_80 -O3 -std=c++17 -o "$tmp" "$cu"
  sed -E "s/^\.version [0-9]+\.[0-9]+$/.version $PTX_VERSION/" "$tmp" > "$out/$name.ptx"
  rm -f "$tmp"
  for sm in sm_80 sm_90; do
    "$ptxas" -arch="$sm" -o /dev/null "$out/$name.ptx"
  done
  echo "$name.ptx: $(grep -c '^\.visible \.entry' "$out/$name.ptx") kernels, .version $PTX_VERSION, ptxas sm_80 sm_90 ok"
done
