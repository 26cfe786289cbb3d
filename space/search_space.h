// A once-for-all search space: MobileNetV2-style stages of inverted-residual blocks where every
// block picks a kernel size and an expand ratio and every stage picks a depth. Width multiplier
// and input resolution are fixed per space (stage 1 of the search chooses among spaces).
// No LibTorch here: nas/ and supernet/ both read this description.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace tinynas::space {

inline constexpr const char* kSpaceFormat = "tinynas-space/1";

struct StageSpace {
  int base_channels = 0;  // output channels before the width multiplier
  int stride = 1;         // stride of the stage's first block (1 or 2)
};

struct SearchSpace {
  std::string name;
  int resolution = 0;  // input H == W
  int input_channels = 1;
  int num_classes = 0;
  double width_multiplier = 1.0;
  int first_conv_base_channels = 0;
  int first_conv_kernel_size = 3;
  int first_conv_stride = 1;
  std::vector<StageSpace> stages;
  int feature_mix_base_channels = 0;  // 0: no 1x1 conv before pooling
  std::vector<int> kernel_sizes;      // ascending, e.g. {3, 5, 7}
  std::vector<int> expand_ratios;     // ascending, e.g. {3, 4, 6}
  std::vector<int> depths;            // ascending, e.g. {2, 3, 4}

  int max_depth() const { return depths.back(); }
  int max_kernel_size() const { return kernel_sizes.back(); }
  int max_expand_ratio() const { return expand_ratios.back(); }
  // Channel counts after the width multiplier (rounded to a multiple of kChannelDivisor).
  int first_conv_channels() const;
  int stage_channels(int stage) const;
  int feature_mix_channels() const;  // 0 when the space has no feature-mix conv
};

// Channels are rounded to multiples of this (as MobileNetV2's make_divisible does).
inline constexpr int kChannelDivisor = 8;
// MobileNetV2 make_divisible: nearest multiple of `divisor`, at least `divisor`, and never more
// than 10% below `value`.
int make_divisible(double value, int divisor = kChannelDivisor);

// Throws compiler::SpecError listing every bad field by its JSON path ("stages[1].stride:
// expected 1 or 2, found 3"); `origin` names the document in the message.
SearchSpace parse_search_space(const nlohmann::json& document,
                               const std::string& origin = "search space");
SearchSpace load_search_space(const std::string& path);  // origin: the path
nlohmann::json search_space_to_json(const SearchSpace& space);

}  // namespace tinynas::space
