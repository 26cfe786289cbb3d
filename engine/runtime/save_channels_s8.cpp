// The forward's copy of the chosen input channels of a layer whose weight ratio is below 1
// (training_kernels.h): only they are kept for the weight gradient, so the input itself dies where
// inference frees it.
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

int32_t saved_channel_count(const ChannelSelection& selection, int32_t channel_multiplier) {
  int32_t count = 0;
  int32_t previous = -1;
  for (int32_t j = 0; j < selection.count; ++j) {
    const int32_t channel = selection.channels[j] / channel_multiplier;
    if (channel != previous) ++count;
    previous = channel;
  }
  return count;
}

void save_channels_s8(int32_t pixels, int32_t input_channels, const int8_t* input,
                      const ChannelSelection& selection, int32_t channel_multiplier,
                      int8_t* saved) {
  for (int32_t p = 0; p < pixels; ++p) {
    const int8_t* pixel = input + p * input_channels;
    int32_t previous = -1;
    for (int32_t j = 0; j < selection.count; ++j) {
      const int32_t channel = selection.channels[j] / channel_multiplier;
      if (channel == previous) continue;
      *saved++ = pixel[channel];
      previous = channel;
    }
  }
}

}  // namespace tinynas::runtime
