// A search space small enough for tests that train or compare whole networks in milliseconds.
#pragma once

#include "space/search_space.h"

namespace tinynas::supernet::testing {

inline space::SearchSpace tiny_space(int num_classes = 4) {
  space::SearchSpace space;
  space.name = "tiny";
  space.resolution = 12;
  space.input_channels = 1;
  space.num_classes = num_classes;
  space.width_multiplier = 1.0;
  space.first_conv_base_channels = 8;
  space.first_conv_kernel_size = 3;
  space.first_conv_stride = 1;
  space.stages = {{8, 2}, {16, 2}};
  space.feature_mix_base_channels = 16;
  space.kernel_sizes = {3, 5, 7};
  space.expand_ratios = {3, 4, 6};
  space.depths = {1, 2};
  return space;
}

}  // namespace tinynas::supernet::testing
