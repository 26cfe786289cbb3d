#include "engine/compiler/spec_fields.h"

#include <limits>
#include <stdexcept>

#include "engine/compiler/network_spec_validation.h"
#include "engine/compiler/spec_error.h"

namespace tinynas::compiler {
namespace {

// `value` as an int when `accept` takes it; otherwise records "expected <expected>" for `key`.
// A value of the wrong type was reported by the typed read already.
std::optional<int> accepted(const config::ObjectReader& object, const std::string& key,
                            std::optional<int64_t> value, bool (*accept)(int),
                            const std::string& expected) {
  if (!value) return std::nullopt;
  const bool fits_int =
      *value >= std::numeric_limits<int>::min() && *value <= std::numeric_limits<int>::max();
  if (!fits_int || !accept(static_cast<int>(*value))) {
    object.add_error(key, expected, nlohmann::json(*value));
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

bool is_channel_count(int value) { return value >= 1 && value <= kMaxChannels; }
bool is_stride(int value) { return value >= 1 && value <= kMaxLayerStride; }
bool is_resolution(int value) { return value >= 1 && value <= kMaxResolution; }

}  // namespace

std::optional<int> read_channel_count(const config::ObjectReader& object, const std::string& key,
                                      config::Presence presence) {
  return accepted(object, key, object.integer(key, presence), is_channel_count,
                  "a channel count in [1, " + std::to_string(kMaxChannels) + "]");
}

std::optional<int> read_block_kernel(const config::ObjectReader& object, const std::string& key) {
  return accepted(object, key, object.integer(key), is_supported_block_kernel, "3, 5 or 7");
}

std::optional<int> read_conv_kernel(const config::ObjectReader& object, const std::string& key) {
  return accepted(object, key, object.integer(key), is_supported_conv_kernel,
                  "an odd size in [1, " + std::to_string(runtime::kMaxKernelSize) + "]");
}

std::optional<int> read_stride(const config::ObjectReader& object, const std::string& key,
                               std::optional<int> fallback) {
  if (fallback && !object.has(key)) return fallback;
  return accepted(object, key, object.integer(key), is_stride, "1 or 2");
}

std::optional<int> read_resolution(const config::ObjectReader& object, const std::string& key) {
  return accepted(object, key, object.integer(key), is_resolution,
                  "[1, " + std::to_string(kMaxResolution) + "]");
}

std::optional<BlockSpec> assemble_block(const BlockParts& parts, Activation activation) {
  if (!parts.in_channels || !parts.out_channels || !parts.kernel_size || !parts.stride ||
      !parts.mid_channels) {
    return std::nullopt;
  }
  BlockSpec block;
  block.in_channels = *parts.in_channels;
  block.out_channels = *parts.out_channels;
  block.kernel_size = *parts.kernel_size;
  block.stride = *parts.stride;
  block.mid_channels = *parts.mid_channels;
  block.activation = activation;
  block.residual = false;
  return block;
}

std::vector<BlockSpec> read_block_chain(const config::ObjectReader& root,
                                        std::optional<int>& channels, std::string& producer,
                                        const BlockReader& read_block) {
  std::vector<BlockSpec> blocks;
  const std::optional<config::ArrayReader> array = root.array("blocks", "an array of blocks");
  if (!array) return blocks;
  for (size_t i = 0; i < array->size(); ++i) {
    const config::ObjectReader block = array->object(i);
    if (!block.valid()) {
      channels.reset();
      continue;
    }
    if (std::optional<BlockSpec> read = read_block(block, channels, producer)) {
      blocks.push_back(*read);
    }
    producer = array->path_of(i);
  }
  return blocks;
}

void throw_if_invalid(const config::FieldErrors& errors, const NetworkSpec& spec,
                      const std::string& origin) {
  errors.throw_if_any<SpecError>(origin);
  try {
    validate_network_spec(spec);
  } catch (const std::invalid_argument& error) {
    throw SpecError(origin + ": " + error.what());
  }
}

}  // namespace tinynas::compiler
