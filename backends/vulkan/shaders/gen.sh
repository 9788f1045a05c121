#!/usr/bin/env bash
# Compiles the compute shaders of the Vulkan backend to the SPIR-V that the Go package embeds. Run it after editing a
# .comp or .glsl file here and commit the .spv files it writes; a test checks that they match their sources.
#
#   backends/vulkan/shaders/gen.sh [OUTDIR]     # OUTDIR defaults to this directory
#
# Needs glslc (Debian: apt-get install glslc). SPIR-V 1.3 (Vulkan 1.1) is the target, for subgroup operations. The
# kernels that reduce across a workgroup are built twice: NAME.spv with shared-memory trees, which every device runs,
# and NAME_sg.spv with subgroup arithmetic, which the backend picks where the device reports support for it.
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
done
