// SGD with quantization-aware scaling on int8 weights and int32 biases, through float master
// copies of the updated values (training_kernels.h).
#include "engine/runtime/arithmetic.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

namespace {

// The master rounded and saturated to the weight range. NaN (a diverged step) gives 0.
int8_t weight_from_master(float master) {
  const float rounded = round_half_away_from_zero(master);
  if (rounded != rounded) return 0;
  if (rounded >= static_cast<float>(kTrainedWeightMax)) return kTrainedWeightMax;
  if (rounded <= static_cast<float>(kTrainedWeightMin)) return kTrainedWeightMin;
  return static_cast<int8_t>(rounded);
}

// The master rounded and saturated to int32 (2^31 is exact in float). NaN gives 0.
int32_t bias_from_master(float master) {
  constexpr float kTwoPow31 = 2147483648.0f;
  const float rounded = round_half_away_from_zero(master);
  if (rounded != rounded) return 0;
  if (rounded >= kTwoPow31) return INT32_MAX;
  if (rounded <= -kTwoPow31) return INT32_MIN;
  return static_cast<int32_t>(rounded);
}

}  // namespace

void load_master_weights_s8(const WeightChannelLayout& layout, const ChannelSelection& selection,
                            const int8_t* weights, float* master) {
  for (int32_t j = 0; j < selection.count; ++j) {
    const int8_t* channel = weights + selection.channels[j] * layout.channel_stride;
    float* row = master + j * layout.taps;
    for (int32_t t = 0; t < layout.taps; ++t) {
      row[t] = static_cast<float>(channel[t * layout.tap_stride]);
    }
  }
}

void sgd_qas_update_weights_s8(float learning_rate, const WeightChannelLayout& layout,
                               const ChannelSelection& selection, const float* weight_scales,
                               const float* weight_grad, float* master, int8_t* weights) {
  for (int32_t j = 0; j < selection.count; ++j) {
    const int32_t c = selection.channels[j];
    const float step = learning_rate * qas_weight_gradient_scale(weight_scales[c]);
    int8_t* channel = weights + c * layout.channel_stride;
    float* row = master + j * layout.taps;
    const float* grad = weight_grad + j * layout.taps;
    for (int32_t t = 0; t < layout.taps; ++t) {
      row[t] -= step * grad[t];
      channel[t * layout.tap_stride] = weight_from_master(row[t]);
    }
  }
}

void load_master_weights_s8_input_channels(const Shape& filter_shape,
                                           const ChannelSelection& selection, const int8_t* weights,
                                           float* master) {
  const int32_t rows = filter_shape.n * filter_shape.h * filter_shape.w;  // (o, ky, kx)
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* row = weights + r * filter_shape.c;
    float* master_row = master + r * selection.count;
    for (int32_t j = 0; j < selection.count; ++j) {
      master_row[j] = static_cast<float>(row[selection.channels[j]]);
    }
  }
}

void sgd_qas_update_weights_s8_input_channels(float learning_rate, const Shape& filter_shape,
                                              const ChannelSelection& selection,
                                              const float* weight_scales, const float* weight_grad,
                                              float* master, int8_t* weights) {
  const int32_t rows_per_channel = filter_shape.h * filter_shape.w;
  for (int32_t o = 0; o < filter_shape.n; ++o) {
    const float step = learning_rate * qas_weight_gradient_scale(weight_scales[o]);
    for (int32_t tap = 0; tap < rows_per_channel; ++tap) {
      const int32_t r = o * rows_per_channel + tap;
      int8_t* row = weights + r * filter_shape.c;
      float* master_row = master + r * selection.count;
      const float* grad = weight_grad + r * selection.count;
      for (int32_t j = 0; j < selection.count; ++j) {
        master_row[j] -= step * grad[j];
        row[selection.channels[j]] = weight_from_master(master_row[j]);
      }
    }
  }
}

void load_master_bias_s32(int32_t channels, const int32_t* bias, float* master) {
  for (int32_t c = 0; c < channels; ++c) master[c] = static_cast<float>(bias[c]);
}

void sgd_qas_update_bias_s32(float learning_rate, int32_t channels, float input_scale,
                             const float* weight_scales, const float* bias_grad, float* master,
                             int32_t* bias) {
  for (int32_t c = 0; c < channels; ++c) {
    const float step = learning_rate * qas_bias_gradient_scale(input_scale, weight_scales[c]);
    master[c] -= step * bias_grad[c];
    bias[c] = bias_from_master(master[c]);
  }
}

}  // namespace tinynas::runtime
