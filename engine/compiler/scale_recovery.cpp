#include "engine/compiler/scale_recovery.h"

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

}  // namespace tinynas::compiler
