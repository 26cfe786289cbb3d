// Runs the patch stage of a model (kModelFlagPatchStage): ops [0, patch_split) once per patch of
// the split layer's output, in raster order (MCUNetV2, Lin et al., NeurIPS 2021, section 3.1).
// Each op computes only its output tensor's region for the current patch (patch_geometry.h),
// with exactly the arithmetic of the op-by-op kernels, so the split layer's output is bit-exact
// with plain execution. All memory is the caller's: the model input and the split output are
// whole in the arena, every other stage tensor has one region's bytes there, and windows that
// must be gathered use the scratch buffer.
#pragma once

#include <stdint.h>

#include "engine/runtime/model_reader.h"

namespace tinynas::runtime {

// `model` is validated and has a patch stage; `arena` and `scratch` are the interpreter's.
void run_patch_stage(const ModelView& model, uint8_t* arena, int8_t* scratch);

}  // namespace tinynas::runtime
