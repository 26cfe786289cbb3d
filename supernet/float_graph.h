// A float LibTorch model of an int8 graph IR (a .tnm, arch file or net config through the
// compiler's readers): the same ops on dequantized weights, biases and activations, so a scheme's
// updates can be tried on the host (the contribution analysis of the scheme search). Only the
// parameters a resolved scheme trains learn: the chosen input channels of a weight (the others'
// gradients are masked to zero) and the chosen biases. No LibTorch in this header.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/update_scheme.h"

namespace tinynas::supernet {

class FloatGraphModel {
 public:
  // Throws std::invalid_argument naming an op the float model does not support (a pooling
  // window with padding). The graph must outlive the model.
  explicit FloatGraphModel(const compiler::Graph& graph);
  ~FloatGraphModel();
  FloatGraphModel(const FloatGraphModel&) = delete;
  FloatGraphModel& operator=(const FloatGraphModel&) = delete;

  // Back to the graph's own (dequantized) weights and biases, nothing trained.
  void reset();
  // Which parameters learn from now on (resolve_scheme's layers).
  void set_trained(const std::vector<compiler::ResolvedLayer>& layers);

  // `inputs`: `count` int8 inputs of the graph (its input tensor's quantization, NHWC) back to
  // back. Real-valued logits, `count` x classes().
  std::vector<float> logits(const std::vector<int8_t>& inputs, int count) const;
  // One SGD step (softmax cross-entropy, no momentum) of the trained parameters; the loss.
  float train_step(const std::vector<int8_t>& inputs, const std::vector<int>& labels,
                   float learning_rate);

  // The real-valued weights of op `op` in the graph's layout (OHWI; depthwise 1,KH,KW,C;
  // fully connected O,1,1,I): the channel a ratio selects is the last dimension.
  std::vector<float> weights(int op) const;

  int classes() const;
  int64_t input_elements() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tinynas::supernet
