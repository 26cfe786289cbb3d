#include "engine/compiler/new_classifier.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynas::compiler {
namespace {

constexpr int kMaxWeight = 127;

int producer_of(const Graph& graph, int tensor) {
  for (int i = static_cast<int>(graph.ops.size()) - 1; i >= 0; --i) {
    if (graph.ops[static_cast<size_t>(i)].output == tensor) return i;
  }
  return -1;
}

float median(std::vector<float> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

void replace_classifier(Graph& graph, int classes, uint32_t seed) {
  if (classes < 2) {
    throw std::invalid_argument("new classifier: " + std::to_string(classes) +
                                " class(es): a classifier needs at least 2");
  }
  const int index = producer_of(graph, graph.output);
  if (index < 0) throw std::invalid_argument("new classifier: no op makes the graph's output");
  Op& op = graph.ops[static_cast<size_t>(index)];
  if (op.kind != OpKind::kFullyConnected) {
    throw std::invalid_argument("new classifier: the graph's output is made by " +
                                describe_op(graph, index) + ", not a fully connected classifier");
  }
  Tensor& weights = graph.tensors.at(static_cast<size_t>(op.weights));
  const int inputs = weights.shape.c;
  const float scale = median(weights.channel_scales);
  const double bound = 1.0 / std::sqrt(static_cast<double>(inputs));
  const int limit =
      std::clamp(static_cast<int>(std::lround(bound / static_cast<double>(scale))), 1, kMaxWeight);
  std::mt19937 random(seed);  // the engine is specified: the same values on every platform
  weights.shape = TensorShape{classes, 1, 1, inputs};
  weights.channel_scales.assign(static_cast<size_t>(classes), scale);
  weights.data.resize(static_cast<size_t>(weights.shape.elements()));
  const uint32_t span = static_cast<uint32_t>(2 * limit + 1);
  for (int8_t& w : weights.data) w = static_cast<int8_t>(static_cast<int>(random() % span) - limit);
  op.bias.assign(static_cast<size_t>(classes), 0);
  graph.tensors.at(static_cast<size_t>(op.output)).shape.c = classes;
}

}  // namespace tinynas::compiler
