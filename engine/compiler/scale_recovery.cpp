#include "engine/compiler/scale_recovery.h"

#include <vector>

namespace tinynas::compiler {

float recover_weight_scale(float input_scale, float output_scale, QuantizedMultiplier stored) {
  const double real = stored.multiplier == 0
                          ? std::ldexp(1.0, -40)  // flushed to zero: any scale that flushes too
                          : std::ldexp(static_cast<double>(stored.multiplier), stored.shift - 31);
  return reproducing_float(static_cast<float>(real * output_scale / input_scale), [&](float scale) {
    return scale > 0.0f && std::isfinite(scale) &&
           per_channel_multipliers(input_scale, {scale}, output_scale, 1)[0] == stored;
  });
}

void recover_channel_scales(const runtime::ModelView& model, Graph* graph) {
  for (uint16_t i = 0; i < model.op_count(); ++i) {
    const runtime::OpInfo op = model.op(i);
    if (op.weights == runtime::kNoTensor || op.multiplier_offset == runtime::kNoOffset) continue;
    const float input_scale = model.tensor(op.input0).scale;
    const float output_scale = model.tensor(op.output).scale;
    const int channels = model.tensor(op.output).shape.c;
    const int32_t* multipliers = model.constant_int32(op.multiplier_offset);
    const int32_t* shifts = model.constant_int32(op.shift_offset);
    std::vector<float> scales(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) {
      scales[static_cast<size_t>(c)] =
          recover_weight_scale(input_scale, output_scale, {multipliers[c], shifts[c]});
    }
    graph->tensors[op.weights].channel_scales = std::move(scales);
  }
}

}  // namespace tinynas::compiler
