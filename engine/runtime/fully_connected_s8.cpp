// Fully connected int8 layer: the input (H x W x C, flattened to K values) times the O x K filter
// (stored as shape {O, 1, 1, K}), per-output-channel requantization.
#include "engine/runtime/kernels.h"
#include "engine/runtime/requantize.h"

namespace tinynas::runtime {

void fully_connected_s8(const ConvParams& params, const PerChannelQuantization& quant,
                        const Shape& /*input_shape*/, const int8_t* input,
                        const Shape& filter_shape, const int8_t* filter, const int32_t* bias,
                        const Shape& /*output_shape*/, int8_t* output) {
  const int32_t output_count = filter_shape.n;  // a local: the int8 stores may alias the shape
  const int32_t depth = fully_connected_depth(filter_shape);
  const int32_t input_offset = params.input_offset;

  const int8_t* weights = filter;
  for (int32_t o = 0; o < output_count; ++o) {
    int32_t acc = bias != nullptr ? bias[o] : 0;
    for (int32_t k = 0; k < depth; ++k) {
      acc += (static_cast<int32_t>(input[k]) + input_offset) * static_cast<int32_t>(weights[k]);
    }
    const int32_t scaled =
        multiply_by_quantized_multiplier(acc, quant.multiplier[o], quant.shift[o]);
    output[o] = static_cast<int8_t>(
        clamp_i32(scaled + params.output_offset, params.activation_min, params.activation_max));
    weights += depth;
  }
}

}  // namespace tinynas::runtime
