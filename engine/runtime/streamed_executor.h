// Runs a streamed stage of a model (kOpFlagStreamed, streamed_geometry.h): its ops row by row in
// StreamedRowOrder, each row with the op's own kernel on a one-row output (so DSP kernels that
// replace the plain ones at link time run here too), except a depthwise convolution reading a
// ring, which runs the plain kernel's row function (depthwise_row.h) on the ring's rows where
// they are; either way exactly the arithmetic of the op-by-op schedule, so the stage output is
// bit-exact with it. All memory is the caller's: the stage input and output are whole in the
// arena, every other stage tensor is a ring of rows there, and the windows of convolutions and
// pools that wrap around a ring's end are gathered in the scratch buffer.
#pragma once

#include <stdint.h>

#include "engine/runtime/model_reader.h"

namespace tinynas::runtime {

// `model` is validated; ops [first, first + count) form a streamed stage of it; `arena` and
// `scratch` are the interpreter's.
void run_streamed_stage(const ModelView& model, uint16_t first, uint16_t count, uint8_t* arena,
                        int8_t* scratch);

// The number of ops of the streamed stage that starts at op `first` (kOpFlagStreamStart) of a
// validated model.
uint16_t streamed_stage_length(const ModelView& model, uint16_t first);

}  // namespace tinynas::runtime
