// The NetworkSpec fields both network readers (arch_json, net_config_import) read the same way:
// channel counts, kernel sizes and strides. A bad value records an error naming the field and
// reads as nullopt (see config/field_reader.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/field_reader.h"
#include "engine/compiler/network_spec.h"

namespace tinynas::compiler {

// An integer in [1, kMaxChannels].
std::optional<int> read_channel_count(const config::ObjectReader& object, const std::string& key,
                                      config::Presence presence = config::kRequired);
// An inverted-residual block's depthwise kernel: 3, 5 or 7.
std::optional<int> read_block_kernel(const config::ObjectReader& object, const std::string& key);
// A plain convolution's kernel: odd, in [1, runtime::kMaxKernelSize].
std::optional<int> read_conv_kernel(const config::ObjectReader& object, const std::string& key);
// 1 or 2; `fallback` when the key is not given (nullopt: required).
std::optional<int> read_stride(const config::ObjectReader& object, const std::string& key,
                               std::optional<int> fallback);
// An integer in [1, kMaxResolution].
std::optional<int> read_resolution(const config::ObjectReader& object, const std::string& key);

// The parts of an inverted-residual block as read; nullopt for a part that was bad or unknown.
struct BlockParts {
  std::optional<int> in_channels;
  std::optional<int> out_channels;
  std::optional<int> kernel_size;
  std::optional<int> stride;
  std::optional<int> mid_channels;
};
// The block (not residual) when every part is known, else nullopt.
std::optional<BlockSpec> assemble_block(const BlockParts& parts, Activation activation);

// One block of a "blocks" array. `channels` are the block's input channels on entry (nullopt:
// unknown after an earlier error, and the checks that need them are skipped) and its output
// channels on return; `producer` names the layer they come from. nullopt when the block is bad.
using BlockReader = std::function<std::optional<BlockSpec>(
    const config::ObjectReader& block, std::optional<int>& channels, const std::string& producer)>;

// The root's "blocks" array, block by block, channels chaining from `channels` (the first
// conv's output) on; on return `channels` and `producer` describe the last block's output.
std::vector<BlockSpec> read_block_chain(const config::ObjectReader& root,
                                        std::optional<int>& channels, std::string& producer,
                                        const BlockReader& read_block);

// Throws SpecError(origin, every collected error), or when there are none and `spec` is still
// inconsistent (validate_network_spec), SpecError "<origin>: <why>".
void throw_if_invalid(const config::FieldErrors& errors, const NetworkSpec& spec,
                      const std::string& origin);

}  // namespace tinynas::compiler
