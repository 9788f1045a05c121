#!/usr/bin/env bash
# Compiles the compute shaders of the Vulkan backend to the SPIR-V that the Go package embeds. Run it after editing a
# .comp or .glsl file here and commit the .spv files it writes; a test checks that they match their sources.
#
#   backends/vulkan/shaders/gen.sh [OUTDIR]     # OUTDIR defaults to this directory
#
# Needs glslc (Debian: apt-get install glslc). SPIR-V 1.3 (Vulkan 1.1) is the target, for subgroup operations. Kernels
# that reduce with reduce.glsl are also built with -DSUBGROUP into NAME_sg.spv, using subgroup arithmetic, which the
# backend picks where the device supports it; kernels with an F64 variant are also built with -DF64 into NAME_f64.spv,
# which the backend picks where the device has shaderFloat64.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
mkdir -p "$out"
flags=(--target-env=vulkan1.1 -O -I "$here")
for src in "$here"/*.comp; do
  name="$(basename "$src" .comp)"
  glslc "${flags[@]}" "$src" -o "$out/$name.spv"
  if grep -q '#include "reduce.glsl"' "$src"; then
    glslc "${flags[@]}" -DSUBGROUP "$src" -o "$out/${name}_sg.spv"
  fi
  if grep -q '#ifdef F64' "$src"; then
    glslc "${flags[@]}" -DF64 "$src" -o "$out/${name}_f64.spv"
  fi
done
