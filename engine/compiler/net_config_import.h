// Import of MCUNet / once-for-all "net.config" files (ProxylessNASNets: ConvLayer first_conv,
// MobileInvertedResidualBlock blocks, optional feature_mix_layer, LinearLayer classifier) into a
// NetworkSpec. Fields once-for-all writes but that do not change the network (bn, dropout_rate,
// bias, ...) are ignored; fields that would change it in a way we cannot build (squeeze-and-
// excitation, dilation, groups, h_swish) are errors naming the JSON path.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/compiler/network_spec.h"
#include "engine/compiler/spec_error.h"

namespace tinynas::compiler {

struct NetConfigOptions {
  // Input resolution; overrides the config's own "resolution". One of the two is required.
  std::optional<int> resolution;
  std::string name;  // NetworkSpec::name; load_net_config defaults it to the file's stem
};

// Throws SpecError listing every bad field by its JSON path ("blocks[4].name: expected
// \"MobileInvertedResidualBlock\" or \"ResidualBlock\", found \"SEBlock\""); `origin` names the
// document in the message.
NetworkSpec import_net_config(const nlohmann::json& document, const NetConfigOptions& options = {},
                              const std::string& origin = "net config");
// Reads a file (origin: the path). Throws SpecError.
NetworkSpec load_net_config(const std::string& path, NetConfigOptions options = {});

}  // namespace tinynas::compiler
