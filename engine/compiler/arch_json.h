// Our human-written architecture file ("tinynas-arch/1", see docs/arch-format.md) <-> NetworkSpec.
// Reading is strict: unknown keys, wrong types and out-of-range values are errors, all of them
// reported at once, each naming the JSON path and what was expected
// ("blocks[3].kernel_size: expected 3, 5 or 7, found 4").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engine/compiler/network_spec.h"
#include "engine/compiler/spec_error.h"

namespace tinynas::compiler {

inline constexpr const char* kArchFormat = "tinynas-arch/1";

// Throws SpecError listing every bad field; `origin` names the document in the message.
NetworkSpec parse_arch_json(const nlohmann::json& document,
                            const std::string& origin = "architecture");
// Reads a file (origin: the path). Throws SpecError.
NetworkSpec load_arch_file(const std::string& path);

// The canonical document for `spec` (keys in a readable order); parse_arch_json of it gives
// `spec` back.
nlohmann::ordered_json arch_to_json(const NetworkSpec& spec);
void save_arch_file(const NetworkSpec& spec, const std::string& path);  // throws SpecError

// "relu6" / "relu" / "none".
const char* activation_name(Activation activation);

// round(channels * ratio) the way Python 3 rounds (half to even), as once-for-all computes an
// inverted bottleneck's width when mid_channels is not given.
int expanded_channels(int channels, double expand_ratio);

}  // namespace tinynas::compiler
