#include "engine/compiler/update_scheme.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>

#include "config/field_reader.h"
#include "config/json_file.h"
#include "engine/runtime/op_kind_name.h"

namespace tinynas::compiler {
namespace {

constexpr int kAllowedEighths[] = {0, 1, 2, 4, 8};

bool trainable(const Op& op) { return op_has_weights(op.kind) && op.weights >= 0; }

// The weight tensor's channel (last) dimension: a conv's and a fully connected layer's input
// channels, a depthwise conv's channels.
int weight_channels(const Graph& graph, const Op& op) { return graph.tensors[op.weights].shape.c; }

}  // namespace

UpdateScheme parse_update_scheme(const nlohmann::json& document, const std::string& origin) {
  config::FieldErrors errors;
  const config::ObjectReader root(document, "", errors);
  UpdateScheme scheme;
  if (root.valid()) {
    root.reject_unknown_keys({"format", "layers"});
    root.one_of("format", {kSchemeFormat});
    if (const std::optional<config::ArrayReader> layers =
            root.array("layers", "an array of layer objects")) {
      std::map<std::string, size_t> seen;
      for (size_t i = 0; i < layers->size(); ++i) {
        const config::ObjectReader layer = layers->object(i);
        if (!layer.valid()) continue;
        layer.reject_unknown_keys({"name", "bias", "weight_ratio"});
        LayerUpdate update;
        const std::optional<std::string> name = layer.string("name");
        const std::optional<bool> bias = layer.boolean("bias", config::kOptional);
        const std::optional<double> ratio = layer.number("weight_ratio", config::kOptional);
        if (name) {
          update.name = *name;
          if (name->empty()) layer.add_error("name", "an op name of the model", nlohmann::json(""));
          const auto [where, inserted] = seen.emplace(*name, i);
          if (!inserted) {
            layer.add_error("name",
                            "a layer not named before (" + layers->path_of(where->second) + ")",
                            nlohmann::json(*name));
          }
        }
        update.bias = bias.value_or(false);
        if (ratio) {
          const double eighths = *ratio * kRatioDenominator;
          const int* allowed = std::find_if(std::begin(kAllowedEighths), std::end(kAllowedEighths),
                                            [&](int e) { return e == eighths; });
          if (allowed == std::end(kAllowedEighths)) {
            layer.add_error("weight_ratio", "0, 0.125, 0.25, 0.5 or 1", nlohmann::json(*ratio));
          } else {
            update.weight_eighths = *allowed;
          }
        }
        scheme.layers.push_back(update);
      }
    }
  }
  errors.throw_if_any<SchemeError>(origin);
  return scheme;
}

UpdateScheme load_update_scheme(const std::string& path) {
  return config::rethrow_as<SchemeError>(
      [&] { return parse_update_scheme(config::read_json_file(path), path); });
}

nlohmann::ordered_json scheme_to_json(const UpdateScheme& scheme) {
  nlohmann::ordered_json json;
  json["format"] = kSchemeFormat;
  json["layers"] = nlohmann::ordered_json::array();
  for (const LayerUpdate& layer : scheme.layers) {
    nlohmann::ordered_json item;
    item["name"] = layer.name;
    item["bias"] = layer.bias;
    item["weight_ratio"] = static_cast<double>(layer.weight_eighths) / kRatioDenominator;
    json["layers"].push_back(item);
  }
  return json;
}

int chosen_channel_count(int count, int eighths) {
  if (eighths == 0) return 0;
  return std::max(1, count * eighths / kRatioDenominator);
}

std::vector<int> choose_channels_by_norm(const Graph& graph, const Op& op, int count) {
  const Tensor& weights = graph.tensors[op.weights];
  const int channels = weights.shape.c;
  const int64_t per_output = weights.shape.h * int64_t{weights.shape.w} * channels;
  const bool depthwise = op.kind == OpKind::kDepthwiseConv2d;
  std::vector<double> squared(channels, 0.0);
  for (int64_t e = 0; e < static_cast<int64_t>(weights.data.size()); ++e) {
    const int channel = static_cast<int>(e % channels);
    const int output = depthwise ? channel : static_cast<int>(e / per_output);
    const double scale = output < static_cast<int>(weights.channel_scales.size())
                             ? weights.channel_scales[output]
                         : weights.channel_scales.empty() ? 1.0
                                                          : weights.channel_scales[0];
    const double value = weights.data[e] * scale;
    squared[channel] += value * value;
  }
  std::vector<int> order(channels);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return squared[a] > squared[b]; });
  order.resize(std::min(count, channels));
  std::sort(order.begin(), order.end());
  return order;
}

std::vector<ResolvedLayer> resolve_scheme(const Graph& graph, const UpdateScheme& scheme,
                                          const std::string& origin) {
  config::FieldErrors errors;
  std::map<int, ResolvedLayer> by_op;
  for (size_t i = 0; i < scheme.layers.size(); ++i) {
    const LayerUpdate& layer = scheme.layers[i];
    const std::string path = config::index_path("layers", i) + ".name";
    int index = -1;
    for (size_t k = 0; k < graph.ops.size(); ++k) {
      if (graph.ops[k].name == layer.name) index = static_cast<int>(k);
    }
    if (index < 0) {
      errors.add(path, "an op of the model", nlohmann::json(layer.name));
      continue;
    }
    const Op& op = graph.ops[index];
    if (!trainable(op)) {
      errors.add(path, "an op with weights and bias (conv, depthwise or fully connected)",
                 nlohmann::json(layer.name + " (" + runtime::op_kind_name(op.kind) + ")"));
      continue;
    }
    if (by_op.count(index) != 0) {
      errors.add(path, "a layer not named before", nlohmann::json(layer.name));
      continue;
    }
    ResolvedLayer resolved;
    resolved.op = index;
    resolved.bias = layer.bias;
    const int count = chosen_channel_count(weight_channels(graph, op), layer.weight_eighths);
    if (count > 0) resolved.channels = choose_channels_by_norm(graph, op, count);
    if (resolved.bias || !resolved.channels.empty()) by_op.emplace(index, std::move(resolved));
  }
  errors.throw_if_any<SchemeError>(origin + " (against the model)");
  std::vector<ResolvedLayer> layers;
  for (auto& [op, layer] : by_op) layers.push_back(std::move(layer));
  return layers;
}

UpdateScheme full_update_scheme(const Graph& graph) {
  UpdateScheme scheme;
  for (const Op& op : graph.ops) {
    if (trainable(op)) scheme.layers.push_back({op.name, true, kRatioDenominator});
  }
  return scheme;
}

UpdateScheme bias_only_scheme(const Graph& graph) {
  UpdateScheme scheme;
  for (const Op& op : graph.ops) {
    if (trainable(op)) scheme.layers.push_back({op.name, true, 0});
  }
  return scheme;
}

UpdateScheme last_layers_scheme(const Graph& graph, int k) {
  UpdateScheme scheme;
  for (auto op = graph.ops.rbegin(); op != graph.ops.rend() && k > 0; ++op) {
    if (!trainable(*op)) continue;
    scheme.layers.insert(scheme.layers.begin(), {op->name, true, kRatioDenominator});
    --k;
  }
  return scheme;
}

UpdateScheme classifier_bias_scheme(const Graph& graph) {
  UpdateScheme scheme;
  for (auto op = graph.ops.rbegin(); op != graph.ops.rend(); ++op) {
    if (trainable(*op)) {
      scheme.layers.push_back({op->name, true, 0});
      break;
    }
  }
  return scheme;
}

}  // namespace tinynas::compiler
