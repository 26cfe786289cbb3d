// A sparse-update scheme ("tinynas-scheme/1", docs/update-scheme.md): which layers of a model
// train on the device, and how much of each (Tiny Training, Lin et al., NeurIPS 2022, section
// 3.2). Per layer: the bias on or off, and a weight ratio in {0, 1/8, 1/4, 1/2, 1}: the fraction
// of the layer's input channels whose weights are updated (for a depthwise conv, of its
// channels). Which channels: the largest by the L2 norm of their real-valued weights (Tiny
// Training's "magnitude+" rule), computed from the model's own weights when the scheme is
// resolved against it. Layers the scheme does not name are frozen.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "engine/compiler/graph.h"

namespace tinynas::compiler {

inline constexpr const char* kSchemeFormat = "tinynas-scheme/1";

// A scheme file that cannot be read, or that does not match the model: errors() names every bad
// field or layer ("layers[3].name: expected an op of the model with weights ..., found ...").
class SchemeError : public config::ConfigError {
 public:
  using config::ConfigError::ConfigError;
  explicit SchemeError(const config::ConfigError& error) : config::ConfigError(error) {}
};

// Weight ratios in eighths: 0, 1, 2, 4, 8 (1/8 is the finest Tiny Training uses).
inline constexpr int kRatioDenominator = 8;

struct LayerUpdate {
  std::string name;        // the op's name in the model ("blocks.3.expand", "classifier")
  bool bias = false;       // update the bias
  int weight_eighths = 0;  // weight ratio x 8: 0, 1, 2, 4 or 8
};

struct UpdateScheme {
  std::vector<LayerUpdate> layers;  // each name at most once, in file order
};

// Throws SchemeError listing every bad field; `origin` names the document.
UpdateScheme parse_update_scheme(const nlohmann::json& document,
                                 const std::string& origin = "update scheme");
// Reads a file (origin: the path). Throws SchemeError.
UpdateScheme load_update_scheme(const std::string& path);
nlohmann::ordered_json scheme_to_json(const UpdateScheme& scheme);

// One trained layer of a model: its op and, for a weight update, the chosen input channels
// (ascending).
struct ResolvedLayer {
  int op = -1;
  bool bias = false;
  std::vector<int> channels;  // empty: weights frozen
};

// The scheme applied to `graph` (a validated graph with weights): ResolvedLayer per named layer,
// in op order. Throws SchemeError naming every layer that is not an op of the graph with weights
// and bias (conv, depthwise, fully connected), and every layer named twice; `origin` names the
// scheme in the message.
std::vector<ResolvedLayer> resolve_scheme(const Graph& graph, const UpdateScheme& scheme,
                                          const std::string& origin = "update scheme");

// How many of `count` channels a ratio of `eighths` / 8 updates: floor(count x ratio), at least
// one for a non-zero ratio (a layer of 4 channels at 1/8 still updates one).
int chosen_channel_count(int count, int eighths);

// The channels of `op`'s weights a weight update of `count` of them trains: the `count` largest
// by the L2 norm of their real values (int8 value x its output channel's scale) over every
// weight that reads the channel; ties to the lower index; ascending.
std::vector<int> choose_channels_by_norm(const Graph& graph, const Op& op, int count);

// Schemes the memory comparisons use: every layer with weights fully updated (weights and
// bias); every bias only.
UpdateScheme full_update_scheme(const Graph& graph);
UpdateScheme bias_only_scheme(const Graph& graph);
// The usual fine-tuning baseline: weights and bias of the last `k` layers with weights (k = 0:
// none; k above their count: all of them).
UpdateScheme last_layers_scheme(const Graph& graph, int k);
// The smallest scheme that trains anything: the classifier's bias (the last op with weights).
UpdateScheme classifier_bias_scheme(const Graph& graph);

}  // namespace tinynas::compiler
