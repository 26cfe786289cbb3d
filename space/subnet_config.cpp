#include "space/subnet_config.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/compiler/arch_json.h"

namespace tinynas::space {
namespace {

bool contains(const std::vector<int>& values, int v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

std::string list_to_string(const std::vector<int>& values) {
  std::string s = "{";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "}";
}

int pick(const std::vector<int>& values, std::mt19937_64& rng) {
  std::uniform_int_distribution<size_t> index(0, values.size() - 1);
  return values[index(rng)];
}

SubnetConfig uniform_subnet(const SearchSpace& space, int depth, int kernel, int expand) {
  SubnetConfig subnet;
  subnet.stages.assign(space.stages.size(),
                       std::vector<BlockChoice>(static_cast<size_t>(depth), {kernel, expand}));
  return subnet;
}

// Values encoded per stage: the depth, then kernel and expand for every block slot.
constexpr int kValuesPerSlot = 2;

}  // namespace

ChoiceSet all_choices(const SearchSpace& space) {
  return {space.kernel_sizes, space.expand_ratios, space.depths};
}

void validate_subnet(const SearchSpace& space, const SubnetConfig& subnet) {
  if (subnet.stages.size() != space.stages.size()) {
    throw std::invalid_argument("subnet: expected " + std::to_string(space.stages.size()) +
                                " stages, found " + std::to_string(subnet.stages.size()));
  }
  for (size_t s = 0; s < subnet.stages.size(); ++s) {
    const std::string stage = "subnet stage " + std::to_string(s);
    const int depth = static_cast<int>(subnet.stages[s].size());
    if (!contains(space.depths, depth)) {
      throw std::invalid_argument(stage + ": depth expected in " + list_to_string(space.depths) +
                                  ", found " + std::to_string(depth));
    }
    for (size_t b = 0; b < subnet.stages[s].size(); ++b) {
      const BlockChoice& block = subnet.stages[s][b];
      const std::string where = stage + " block " + std::to_string(b);
      if (!contains(space.kernel_sizes, block.kernel_size)) {
        throw std::invalid_argument(where + ": kernel size expected in " +
                                    list_to_string(space.kernel_sizes) + ", found " +
                                    std::to_string(block.kernel_size));
      }
      if (!contains(space.expand_ratios, block.expand_ratio)) {
        throw std::invalid_argument(where + ": expand ratio expected in " +
                                    list_to_string(space.expand_ratios) + ", found " +
                                    std::to_string(block.expand_ratio));
      }
    }
  }
}

SubnetConfig largest_subnet(const SearchSpace& space) {
  return uniform_subnet(space, space.depths.back(), space.kernel_sizes.back(),
                        space.expand_ratios.back());
}

SubnetConfig smallest_subnet(const SearchSpace& space) {
  return uniform_subnet(space, space.depths.front(), space.kernel_sizes.front(),
                        space.expand_ratios.front());
}

SubnetConfig sample_subnet(const SearchSpace& space, const ChoiceSet& choices,
                           std::mt19937_64& rng) {
  SubnetConfig subnet;
  subnet.stages.resize(space.stages.size());
  for (auto& stage : subnet.stages) {
    const int depth = pick(choices.depths, rng);
    for (int b = 0; b < depth; ++b) {
      const int kernel = pick(choices.kernel_sizes, rng);
      const int expand = pick(choices.expand_ratios, rng);
      stage.push_back({kernel, expand});
    }
  }
  validate_subnet(space, subnet);
  return subnet;
}

SubnetConfig sample_subnet(const SearchSpace& space, std::mt19937_64& rng) {
  return sample_subnet(space, all_choices(space), rng);
}

SubnetConfig sample_subnet(const SearchSpace& space, uint64_t seed) {
  std::mt19937_64 rng(seed);
  return sample_subnet(space, rng);
}

int encoding_length(const SearchSpace& space) {
  return static_cast<int>(space.stages.size()) * (1 + kValuesPerSlot * space.max_depth());
}

std::vector<int> encode_subnet(const SearchSpace& space, const SubnetConfig& subnet) {
  validate_subnet(space, subnet);
  std::vector<int> encoding;
  encoding.reserve(static_cast<size_t>(encoding_length(space)));
  for (const auto& stage : subnet.stages) {
    encoding.push_back(static_cast<int>(stage.size()));
    for (int b = 0; b < space.max_depth(); ++b) {
      const bool active = b < static_cast<int>(stage.size());
      encoding.push_back(active ? stage[static_cast<size_t>(b)].kernel_size : 0);
      encoding.push_back(active ? stage[static_cast<size_t>(b)].expand_ratio : 0);
    }
  }
  return encoding;
}

SubnetConfig decode_subnet(const SearchSpace& space, const std::vector<int>& encoding) {
  if (static_cast<int>(encoding.size()) != encoding_length(space)) {
    throw std::invalid_argument("subnet encoding: expected " +
                                std::to_string(encoding_length(space)) + " values, found " +
                                std::to_string(encoding.size()));
  }
  SubnetConfig subnet;
  size_t at = 0;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    const int depth = encoding[at++];
    if (depth < 0 || depth > space.max_depth()) {
      throw std::invalid_argument("subnet encoding: stage " + std::to_string(s) +
                                  " depth expected in " + list_to_string(space.depths) +
                                  ", found " + std::to_string(depth));
    }
    std::vector<BlockChoice> blocks;
    for (int b = 0; b < space.max_depth(); ++b) {
      const BlockChoice choice{encoding[at], encoding[at + 1]};
      at += kValuesPerSlot;
      if (b < depth) blocks.push_back(choice);
    }
    subnet.stages.push_back(blocks);
  }
  validate_subnet(space, subnet);
  return subnet;
}

compiler::NetworkSpec to_network_spec(const SearchSpace& space, const SubnetConfig& subnet,
                                      const std::string& name) {
  validate_subnet(space, subnet);
  compiler::NetworkSpec spec;
  spec.name = name;
  spec.resolution = space.resolution;
  spec.input_channels = space.input_channels;
  spec.num_classes = space.num_classes;
  spec.first_conv.out_channels = space.first_conv_channels();
  spec.first_conv.kernel_size = space.first_conv_kernel_size;
  spec.first_conv.stride = space.first_conv_stride;
  spec.first_conv.activation = compiler::Activation::kRelu6;
  int channels = spec.first_conv.out_channels;
  for (size_t s = 0; s < subnet.stages.size(); ++s) {
    const int out_channels = space.stage_channels(static_cast<int>(s));
    for (size_t b = 0; b < subnet.stages[s].size(); ++b) {
      compiler::BlockSpec block;
      block.in_channels = channels;
      block.out_channels = out_channels;
      block.kernel_size = subnet.stages[s][b].kernel_size;
      block.stride = b == 0 ? space.stages[s].stride : 1;
      block.mid_channels = compiler::expanded_channels(channels, subnet.stages[s][b].expand_ratio);
      block.residual = block.stride == 1 && block.in_channels == block.out_channels;
      block.activation = compiler::Activation::kRelu6;
      spec.blocks.push_back(block);
      channels = out_channels;
    }
  }
  if (space.feature_mix_channels() > 0) {
    compiler::ConvLayerSpec mix;
    mix.out_channels = space.feature_mix_channels();
    mix.kernel_size = 1;
    mix.stride = 1;
    mix.activation = compiler::Activation::kRelu6;
    spec.feature_mix = mix;
  }
  return spec;
}

SubnetConfig subnet_from_network_spec(const SearchSpace& space, const compiler::NetworkSpec& spec) {
  auto mismatch = [&](const std::string& what, int expected, int found) {
    return std::invalid_argument("network '" + spec.name + "' is not in space '" + space.name +
                                 "': " + what + " expected " + std::to_string(expected) +
                                 ", found " + std::to_string(found));
  };
  if (spec.resolution != space.resolution) {
    throw mismatch("resolution", space.resolution, spec.resolution);
  }
  if (spec.input_channels != space.input_channels) {
    throw mismatch("input_channels", space.input_channels, spec.input_channels);
  }
  if (spec.num_classes != space.num_classes) {
    throw mismatch("num_classes", space.num_classes, spec.num_classes);
  }
  if (spec.first_conv.out_channels != space.first_conv_channels()) {
    throw mismatch("first_conv.out_channels", space.first_conv_channels(),
                   spec.first_conv.out_channels);
  }
  const int mix = spec.feature_mix ? spec.feature_mix->out_channels : 0;
  if (mix != space.feature_mix_channels()) {
    throw mismatch("feature_mix.out_channels", space.feature_mix_channels(), mix);
  }
  SubnetConfig subnet;
  subnet.stages.resize(space.stages.size());
  size_t stage = 0;
  for (size_t i = 0; i < spec.blocks.size(); ++i) {
    const compiler::BlockSpec& block = spec.blocks[i];
    const std::string where = "blocks[" + std::to_string(i) + "]";
    // A block opens the next stage when it downsamples or the current stage is full (neighbouring
    // stages may share a width, as MobileNetV2's do at small width multipliers); otherwise it
    // belongs to the first stage from here whose width it has.
    if (stage < space.stages.size() && !subnet.stages[stage].empty() &&
        (block.stride != 1 || static_cast<int>(subnet.stages[stage].size()) == space.max_depth())) {
      ++stage;
    }
    while (stage < space.stages.size() &&
           block.out_channels != space.stage_channels(static_cast<int>(stage))) {
      ++stage;
    }
    if (stage == space.stages.size()) {
      throw std::invalid_argument(
          "network '" + spec.name + "' is not in space '" + space.name + "': " + where +
          ".out_channels " + std::to_string(block.out_channels) + " matches no remaining stage");
    }
    int expand = 0;
    for (int ratio : space.expand_ratios) {
      if (compiler::expanded_channels(block.in_channels, ratio) == block.mid_channels) {
        expand = ratio;
      }
    }
    if (expand == 0) {
      throw std::invalid_argument("network '" + spec.name + "' is not in space '" + space.name +
                                  "': " + where + ".mid_channels " +
                                  std::to_string(block.mid_channels) + " is no expand ratio of " +
                                  list_to_string(space.expand_ratios));
    }
    subnet.stages[stage].push_back({block.kernel_size, expand});
    const int expected_stride = subnet.stages[stage].size() == 1 ? space.stages[stage].stride : 1;
    if (block.stride != expected_stride)
      throw mismatch(where + ".stride", expected_stride, block.stride);
  }
  validate_subnet(space, subnet);
  // Round trip: the spec must be exactly what the space makes of this subnet.
  const compiler::NetworkSpec rebuilt = to_network_spec(space, subnet, spec.name);
  for (size_t i = 0; i < spec.blocks.size(); ++i) {
    if (rebuilt.blocks[i].in_channels != spec.blocks[i].in_channels ||
        rebuilt.blocks[i].residual != spec.blocks[i].residual) {
      throw std::invalid_argument("network '" + spec.name + "' is not in space '" + space.name +
                                  "': blocks[" + std::to_string(i) +
                                  "] input width or residual differs from the space's block");
    }
  }
  return subnet;
}

void save_subnet_arch(const SearchSpace& space, const SubnetConfig& subnet, const std::string& path,
                      const std::string& name) {
  compiler::save_arch_file(to_network_spec(space, subnet, name), path);
}

SubnetConfig load_subnet_arch(const SearchSpace& space, const std::string& path) {
  const compiler::NetworkSpec spec = compiler::load_arch_file(path);
  try {
    return subnet_from_network_spec(space, spec);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::string describe_subnet(const SubnetConfig& subnet) {
  std::string text;
  for (size_t s = 0; s < subnet.stages.size(); ++s) {
    if (s) text += " | ";
    for (size_t b = 0; b < subnet.stages[s].size(); ++b) {
      if (b) text += ' ';
      text += "k" + std::to_string(subnet.stages[s][b].kernel_size) + "e" +
              std::to_string(subnet.stages[s][b].expand_ratio);
    }
  }
  return text;
}

}  // namespace tinynas::space
