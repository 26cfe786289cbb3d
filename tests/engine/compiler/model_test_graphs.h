// Small hand-built int8 graphs for the model writer, reader, interpreter, C API and fuzz tests:
// conv 3x3 s2 -> 1x1 expand -> depthwise 3x3 (in place or not, stride 1 or 2) -> 1x1 project
// -> add residual (stride 1) -> average pool 2x2 -> global average pool -> fully connected.
// Memory plans are laid out by hand (sequential, non-overlapping) so these tests do not depend
// on the memory planner; run_reference() computes the expected output by calling the kernels
// directly on separate buffers, without the model file or the interpreter.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "engine/compiler/graph.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/quantization.h"
#include "engine/runtime/kernels.h"

namespace tinynas::compiler::testing {

struct TestGraphOptions {
  bool in_place_depthwise = false;  // used by make_sequential_plan
  int depthwise_stride = 1;         // 1: with the residual add; 2: without
  bool with_bias = true;
  uint32_t seed = 1;
  int input_size = 8;  // input H == W (even)
};

// xorshift32: deterministic values for weights and inputs.
class TestRandom {
 public:
  explicit TestRandom(uint32_t seed) : state_(seed == 0 ? 1 : seed) {}
  uint32_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  int uniform(int lo, int hi) {  // [lo, hi]
    return lo + static_cast<int>(next() % static_cast<uint32_t>(hi - lo + 1));
  }
  float uniform_real(float lo, float hi) {
    constexpr uint32_t kSteps = 1u << 24;
    return lo + (hi - lo) * static_cast<float>(next() % kSteps) / static_cast<float>(kSteps);
  }

 private:
  uint32_t state_;
};

inline runtime::Shape to_runtime_shape(const TensorShape& s) {
  runtime::Shape shape;
  shape.n = s.n;
  shape.h = s.h;
  shape.w = s.w;
  shape.c = s.c;
  return shape;
}

inline int add_activation(Graph& g, const char* name, int h, int w, int c, float scale, int zp) {
  Tensor t;
  t.name = name;
  t.shape = {1, h, w, c};
  t.scale = scale;
  t.zero_point = zp;
  return g.add_tensor(t);
}

inline int add_weights(Graph& g, TestRandom& random, const char* name, TensorShape shape,
                       int channels) {
  Tensor t;
  t.name = name;
  t.shape = shape;
  t.is_constant = true;
  t.data.resize(static_cast<size_t>(shape.elements()));
  for (int8_t& v : t.data) v = static_cast<int8_t>(random.uniform(-127, 127));
  for (int c = 0; c < channels; ++c) t.channel_scales.push_back(random.uniform_real(0.004f, 0.02f));
  return g.add_tensor(t);
}

inline std::vector<int32_t> random_bias(TestRandom& random, int channels, bool with_bias) {
  std::vector<int32_t> bias;
  if (!with_bias) return bias;
  for (int c = 0; c < channels; ++c) bias.push_back(random.uniform(-3000, 3000));
  return bias;
}

inline Graph make_test_graph(const TestGraphOptions& options = {}) {
  TestRandom random(options.seed);
  Graph g;
  const int size = options.input_size;
  const int stem = size / 2;  // conv 3x3 stride 2 with padding 1
  const int s = options.depthwise_stride;
  const int dw = (stem + 2 - 3) / s + 1;
  constexpr int kIn = 3, kStem = 8, kMid = 16, kClasses = 10;

  g.input = add_activation(g, "input", size, size, kIn, 0.05f, -3);
  const int t_stem = add_activation(g, "stem", stem, stem, kStem, 0.04f, -128);
  const int t_expand = add_activation(g, "expand", stem, stem, kMid, 0.03f, -128);
  const int t_dw = add_activation(g, "depthwise", dw, dw, kMid, 0.03f, -128);
  const int t_project = add_activation(g, "project", dw, dw, kStem, 0.05f, 4);

  Op conv;
  conv.kind = OpKind::kConv2d;
  conv.name = "stem.conv";
  conv.inputs.push_back(g.input);
  conv.weights = add_weights(g, random, "stem.weights", {kStem, 3, 3, kIn}, kStem);
  conv.bias = random_bias(random, kStem, options.with_bias);
  conv.output = t_stem;
  conv.kernel_h = conv.kernel_w = 3;
  conv.stride_h = conv.stride_w = 2;
  conv.pad_top = conv.pad_left = conv.pad_bottom = conv.pad_right = 1;
  conv.activation = Activation::kRelu6;
  g.add_op(conv);

  Op expand;
  expand.kind = OpKind::kConv2d;
  expand.name = "block.expand";
  expand.inputs.push_back(t_stem);
  expand.weights = add_weights(g, random, "expand.weights", {kMid, 1, 1, kStem}, kMid);
  expand.bias = random_bias(random, kMid, options.with_bias);
  expand.output = t_expand;
  expand.activation = Activation::kRelu6;
  g.add_op(expand);

  Op depthwise;
  depthwise.kind = OpKind::kDepthwiseConv2d;
  depthwise.name = "block.depthwise";
  depthwise.inputs.push_back(t_expand);
  depthwise.weights = add_weights(g, random, "depthwise.weights", {1, 3, 3, kMid}, kMid);
  depthwise.bias = random_bias(random, kMid, options.with_bias);
  depthwise.output = t_dw;
  depthwise.kernel_h = depthwise.kernel_w = 3;
  depthwise.stride_h = depthwise.stride_w = s;
  depthwise.pad_top = depthwise.pad_left = depthwise.pad_bottom = depthwise.pad_right = 1;
  depthwise.activation = Activation::kRelu6;
  depthwise.allow_in_place = true;
  g.add_op(depthwise);

  Op project;
  project.kind = OpKind::kConv2d;
  project.name = "block.project";
  project.inputs.push_back(t_dw);
  project.weights = add_weights(g, random, "project.weights", {kStem, 1, 1, kMid}, kStem);
  project.bias = random_bias(random, kStem, options.with_bias);
  project.output = t_project;
  g.add_op(project);

  int block_out = t_project;
  if (s == 1) {
    block_out = add_activation(g, "residual", dw, dw, kStem, 0.06f, -2);
    Op add;
    add.kind = OpKind::kAdd;
    add.name = "block.add";
    add.inputs.push_back(t_stem);
    add.inputs.push_back(t_project);
    add.output = block_out;
    g.add_op(add);
  }
  const float block_scale = g.tensors[block_out].scale;
  const int block_zp = g.tensors[block_out].zero_point;

  const int pooled = dw / 2;
  const int t_pool = add_activation(g, "pool", pooled, pooled, kStem, block_scale, block_zp);
  Op pool;
  pool.kind = OpKind::kAveragePool2d;
  pool.name = "pool";
  pool.inputs.push_back(block_out);
  pool.output = t_pool;
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride_h = pool.stride_w = 2;
  g.add_op(pool);

  const int t_gap = add_activation(g, "gap", 1, 1, kStem, 0.02f, -10);
  Op gap;
  gap.kind = OpKind::kGlobalAveragePool;
  gap.name = "gap";
  gap.inputs.push_back(t_pool);
  gap.output = t_gap;
  gap.activation = Activation::kRelu;
  g.add_op(gap);

  g.output = add_activation(g, "logits", 1, 1, kClasses, 0.1f, 7);
  Op fc;
  fc.kind = OpKind::kFullyConnected;
  fc.name = "classifier";
  fc.inputs.push_back(t_gap);
  fc.weights = add_weights(g, random, "classifier.weights", {kClasses, 1, 1, kStem}, kClasses);
  fc.bias = random_bias(random, kClasses, options.with_bias);
  fc.output = g.output;
  g.add_op(fc);
  return g;
}

inline int64_t kernel_scratch_need(const Graph& g, const Op& op, bool in_place) {
  if (op.kind != OpKind::kConv2d && op.kind != OpKind::kDepthwiseConv2d) return 0;
  const int tensors = static_cast<int>(g.tensors.size());
  if (op.inputs.empty() || op.inputs[0] < 0 || op.inputs[0] >= tensors || op.weights < 0 ||
      op.weights >= tensors) {
    return 0;  // a deliberately broken graph: the writer reports it
  }
  const runtime::Shape in = to_runtime_shape(g.tensors[op.inputs[0]].shape);
  const runtime::Shape w = to_runtime_shape(g.tensors[op.weights].shape);
  if (op.kind == OpKind::kDepthwiseConv2d) {
    return in_place ? runtime::depthwise_conv2d_s8_in_place_get_buffer_size(in, w)
                    : runtime::depthwise_conv2d_s8_get_buffer_size(in, w);
  }
  const bool pointwise =
      op.kernel_h == 1 && op.kernel_w == 1 && op.stride_h == 1 && op.stride_w == 1;
  return pointwise ? runtime::conv2d_1x1_s8_get_buffer_size(in, w)
                   : runtime::conv2d_s8_get_buffer_size(in, w);
}

// Every activation gets its own arena bytes in tensor order; a depthwise op marked
// allow_in_place writes over its input instead when `in_place_depthwise`, and a view (reshape)
// is its input's bytes.
inline MemoryPlan make_sequential_plan(const Graph& g, bool in_place_depthwise) {
  MemoryPlan plan;
  plan.offsets.assign(g.tensors.size(), -1);
  plan.in_place.assign(g.ops.size(), false);
  plan.op_scratch.assign(g.ops.size(), 0);
  std::vector<int> in_place_source(g.tensors.size(), -1);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    if (op.output < 0 || op.inputs.empty()) continue;
    if (in_place_depthwise && op.kind == OpKind::kDepthwiseConv2d && op.allow_in_place) {
      plan.in_place[i] = true;
      in_place_source[op.output] = op.inputs[0];
    }
    if (op.kind == OpKind::kReshape) in_place_source[op.output] = op.inputs[0];
  }
  int64_t next = 0;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (g.tensors[t].is_constant || in_place_source[t] >= 0) continue;
    plan.offsets[t] = next;
    next += g.tensors[t].bytes();
  }
  for (const Op& op : g.ops) {  // in op order: a chain of views resolves front to back
    if (op.output >= 0 && in_place_source[op.output] >= 0) {
      plan.offsets[op.output] = plan.offsets[in_place_source[op.output]];
    }
  }
  plan.arena_bytes = next;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    plan.op_scratch[i] = kernel_scratch_need(g, g.ops[i], plan.in_place[i]);
    if (plan.op_scratch[i] > plan.scratch_bytes) plan.scratch_bytes = plan.op_scratch[i];
  }
  return plan;
}

// The version-2 ops in one network, real-valued at both ends:
//   input 10x8x3 -> conv 5x3, strides 2x1, SAME (pads top 1 / bottom 2: asymmetric), ReLU6
//   -> pad (top 1, right 2) -> depthwise 3x2, strides 1x2, multiplier 2, ReLU
//   -> max pool 2x2 s2 SAME (right pad 1) -> [quantize] -> concatenation (max pool output copied,
//   quantize output requantized) -> reshape 2x3x24 -> 3x2x24 -> mean (keep_dims false, other
//   quantization: TFLite Micro's float mean) -> fully connected (per-tensor weights) -> softmax.
inline Graph make_tflite_ops_graph(uint32_t seed = 1) {
  TestRandom random(seed);
  Graph g;
  g.real_input = true;
  g.real_output = true;
  g.input = add_activation(g, "input", 10, 8, 3, 0.05f, -3);
  const int t_conv = add_activation(g, "conv", 5, 8, 6, 6.0f / 255.0f, -128);
  const int t_pad = add_activation(g, "pad", 6, 10, 6, 6.0f / 255.0f, -128);
  const int t_dw = add_activation(g, "depthwise", 4, 5, 12, 0.05f, -128);
  const int t_pool = add_activation(g, "pool", 2, 3, 12, 0.05f, -128);
  const int t_requant = add_activation(g, "requantized", 2, 3, 12, 0.08f, 10);
  const int t_concat = add_activation(g, "concat", 2, 3, 24, 0.05f, -128);
  const int t_view = add_activation(g, "view", 3, 2, 24, 0.05f, -128);
  const int t_mean = add_activation(g, "mean", 1, 1, 24, 0.03f, -100);
  const int t_logits = add_activation(g, "logits", 1, 1, 10, 0.2f, 5);
  const int t_probs = add_activation(g, "probabilities", 1, 1, 10, 1.0f / 256.0f, -128);

  Op conv;
  conv.kind = OpKind::kConv2d;
  conv.name = "conv";
  conv.inputs = {g.input};
  conv.weights = add_weights(g, random, "conv.weights", {6, 5, 3, 3}, 6);
  conv.bias = random_bias(random, 6, true);
  conv.output = t_conv;
  conv.kernel_h = 5;
  conv.kernel_w = 3;
  conv.stride_h = 2;
  conv.stride_w = 1;
  conv.pad_top = 1;
  conv.pad_bottom = 2;
  conv.pad_left = conv.pad_right = 1;
  conv.activation = Activation::kRelu6;
  g.add_op(conv);

  Op pad;
  pad.kind = OpKind::kPad;
  pad.name = "pad";
  pad.inputs = {t_conv};
  pad.output = t_pad;
  pad.pad_top = 1;
  pad.pad_right = 2;
  g.add_op(pad);

  Op depthwise;
  depthwise.kind = OpKind::kDepthwiseConv2d;
  depthwise.name = "depthwise";
  depthwise.inputs = {t_pad};
  depthwise.weights = add_weights(g, random, "depthwise.weights", {1, 3, 2, 12}, 12);
  depthwise.bias = random_bias(random, 12, true);
  depthwise.output = t_dw;
  depthwise.kernel_h = 3;
  depthwise.kernel_w = 2;
  depthwise.stride_h = 1;
  depthwise.stride_w = 2;
  depthwise.activation = Activation::kRelu;
  g.add_op(depthwise);

  Op pool;
  pool.kind = OpKind::kMaxPool2d;
  pool.name = "pool";
  pool.inputs = {t_dw};
  pool.output = t_pool;
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride_h = pool.stride_w = 2;
  pool.pad_right = 1;
  g.add_op(pool);

  Op quantize;
  quantize.kind = OpKind::kQuantize;
  quantize.name = "quantize";
  quantize.inputs = {t_pool};
  quantize.output = t_requant;
  g.add_op(quantize);

  Op concat;
  concat.kind = OpKind::kConcatenation;
  concat.name = "concat";
  concat.inputs = {t_pool, t_requant};
  concat.output = t_concat;
  g.add_op(concat);

  Op reshape;
  reshape.kind = OpKind::kReshape;
  reshape.name = "reshape";
  reshape.inputs = {t_concat};
  reshape.output = t_view;
  g.add_op(reshape);

  Op mean;
  mean.kind = OpKind::kMean;
  mean.name = "mean";
  mean.inputs = {t_view};
  mean.output = t_mean;
  mean.keep_dims = false;
  g.add_op(mean);

  Op fc;
  fc.kind = OpKind::kFullyConnected;
  fc.name = "classifier";
  fc.inputs = {t_mean};
  fc.weights = add_weights(g, random, "classifier.weights", {10, 1, 1, 24}, 1);  // per tensor
  fc.bias = random_bias(random, 10, true);
  fc.output = t_logits;
  g.add_op(fc);

  Op softmax;
  softmax.kind = OpKind::kSoftmax;
  softmax.name = "softmax";
  softmax.inputs = {t_logits};
  softmax.output = t_probs;
  g.add_op(softmax);
  g.output = t_probs;
  return g;
}

inline std::vector<int8_t> random_input(size_t size, uint32_t seed) {
  TestRandom random(seed);
  std::vector<int8_t> input(size);
  for (int8_t& v : input) v = static_cast<int8_t>(random.uniform(-128, 127));
  return input;
}

// The expected output: every op by its general kernel (conv2d_s8 also for 1x1, the
// out-of-place depthwise), each tensor in its own buffer, parameters from quantization.h.
// The window and clamp of a pooling op, as the interpreter passes them.
inline runtime::PoolParams pool_params(const Op& op, const ActivationRange& range) {
  runtime::PoolParams params{};
  params.kernel_h = op.kernel_h;
  params.kernel_w = op.kernel_w;
  params.stride_h = op.stride_h;
  params.stride_w = op.stride_w;
  params.pad_top = op.pad_top;
  params.pad_left = op.pad_left;
  params.activation_min = range.min;
  params.activation_max = range.max;
  return params;
}

inline std::vector<int8_t> run_reference(const Graph& g, const std::vector<int8_t>& input) {
  std::map<int, std::vector<int8_t>> values;
  values[g.input] = input;
  for (const Op& op : g.ops) {
    const Tensor& in = g.tensors[op.inputs[0]];
    const Tensor& out = g.tensors[op.output];
    std::vector<int8_t>& result = values[op.output];
    result.assign(static_cast<size_t>(out.bytes()), 0);
    const int8_t* in_data = values.at(op.inputs[0]).data();
    const ActivationRange range = activation_range(op.activation, out.scale, out.zero_point);
    switch (op.kind) {
      case OpKind::kConv2d:
      case OpKind::kDepthwiseConv2d:
      case OpKind::kFullyConnected: {
        const Tensor& w = g.tensors[op.weights];
        const std::vector<QuantizedMultiplier> q =
            per_channel_multipliers(in.scale, w.channel_scales, out.scale, out.shape.c);
        std::vector<int32_t> multipliers, shifts;
        for (const QuantizedMultiplier& m : q) {
          multipliers.push_back(m.multiplier);
          shifts.push_back(m.shift);
        }
        const runtime::PerChannelQuantization quant{multipliers.data(), shifts.data()};
        runtime::ConvParams params{};
        params.input_offset = -in.zero_point;
        params.output_offset = out.zero_point;
        params.stride_h = op.stride_h;
        params.stride_w = op.stride_w;
        params.pad_top = op.pad_top;
        params.pad_left = op.pad_left;
        params.activation_min = range.min;
        params.activation_max = range.max;
        const int32_t* bias = op.bias.empty() ? nullptr : op.bias.data();
        const auto in_shape = to_runtime_shape(in.shape);
        const auto w_shape = to_runtime_shape(w.shape);
        const auto out_shape = to_runtime_shape(out.shape);
        if (op.kind == OpKind::kConv2d) {
          runtime::conv2d_s8(params, quant, in_shape, in_data, w_shape, w.data.data(), bias,
                             out_shape, result.data());
        } else if (op.kind == OpKind::kDepthwiseConv2d) {
          runtime::depthwise_conv2d_s8(params, quant, in_shape, in_data, w_shape, w.data.data(),
                                       bias, out_shape, result.data());
        } else {
          runtime::fully_connected_s8(params, quant, in_shape, in_data, w_shape, w.data.data(),
                                      bias, out_shape, result.data());
        }
        break;
      }
      case OpKind::kAdd: {
        const Tensor& in1 = g.tensors[op.inputs[1]];
        const AddQuantization q = add_quantization(in.scale, in1.scale, out.scale);
        runtime::AddParams params{};
        params.input0_offset = -in.zero_point;
        params.input0_multiplier = q.input0.multiplier;
        params.input0_shift = q.input0.shift;
        params.input1_offset = -in1.zero_point;
        params.input1_multiplier = q.input1.multiplier;
        params.input1_shift = q.input1.shift;
        params.left_shift = q.left_shift;
        params.output_offset = out.zero_point;
        params.output_multiplier = q.output.multiplier;
        params.output_shift = q.output.shift;
        params.activation_min = range.min;
        params.activation_max = range.max;
        runtime::add_s8(params, in_data, values.at(op.inputs[1]).data(), result.data(),
                        static_cast<int32_t>(out.bytes()));
        break;
      }
      case OpKind::kAveragePool2d:
        runtime::avgpool_s8(pool_params(op, range), to_runtime_shape(in.shape), in_data,
                            to_runtime_shape(out.shape), result.data());
        break;
      case OpKind::kGlobalAveragePool: {
        const QuantizedMultiplier q =
            global_average_pool_multiplier(in.scale, out.scale, in.shape.h, in.shape.w);
        runtime::GlobalPoolParams params{};
        params.input_offset = -in.zero_point;
        params.output_offset = out.zero_point;
        params.output_multiplier = q.multiplier;
        params.output_shift = q.shift;
        params.activation_min = range.min;
        params.activation_max = range.max;
        runtime::global_avgpool_s8(params, to_runtime_shape(in.shape), in_data, result.data());
        break;
      }
      case OpKind::kMaxPool2d:
        runtime::maxpool_s8(pool_params(op, range), to_runtime_shape(in.shape), in_data,
                            to_runtime_shape(out.shape), result.data());
        break;
      case OpKind::kSoftmax: {
        const SoftmaxQuantization q = softmax_quantization(op.beta, in.scale);
        const runtime::SoftmaxParams params{q.input_multiplier, q.input_left_shift, q.diff_min};
        runtime::softmax_s8(params, in.shape.h * in.shape.w, in.shape.c, in_data, result.data());
        break;
      }
      case OpKind::kReshape:
        result.assign(in_data, in_data + in.bytes());
        break;
      case OpKind::kPad: {
        const runtime::PadParams params{op.pad_top, op.pad_left, out.zero_point};
        runtime::pad_s8(params, to_runtime_shape(in.shape), in_data, to_runtime_shape(out.shape),
                        result.data());
        break;
      }
      case OpKind::kConcatenation: {
        std::vector<runtime::ConcatInput> inputs;
        for (int index : op.inputs) {
          const Tensor& t = g.tensors[index];
          runtime::ConcatInput c{};
          c.data = values.at(index).data();
          c.channels = t.shape.c;
          c.requantize = !(t.zero_point == out.zero_point && t.scale == out.scale);
          const QuantizedMultiplier m =
              c.requantize ? requantization_multiplier(t.scale, out.scale) : QuantizedMultiplier{};
          c.requant =
              runtime::RequantizeParams{-t.zero_point, out.zero_point, m.multiplier, m.shift};
          inputs.push_back(c);
        }
        runtime::concatenation_s8(inputs.data(), static_cast<int32_t>(inputs.size()),
                                  out.shape.h * out.shape.w, out.shape.c, result.data());
        break;
      }
      case OpKind::kQuantize: {
        const QuantizedMultiplier m = requantization_multiplier(in.scale, out.scale);
        const runtime::RequantizeParams params{-in.zero_point, out.zero_point, m.multiplier,
                                               m.shift};
        runtime::requantize_s8(params, in_data, result.data(), static_cast<int32_t>(out.bytes()));
        break;
      }
      case OpKind::kMean: {
        const MeanQuantization q =
            mean_quantization(in.scale, in.zero_point, out.scale, out.zero_point, op.keep_dims);
        runtime::MeanParams params{};
        params.mode = q.mode;
        params.input_zero_point = in.zero_point;
        params.output_zero_point = out.zero_point;
        params.multiplier = q.multiplier.multiplier;
        params.shift = q.multiplier.shift;
        params.scale = q.scale;
        runtime::mean_s8(params, to_runtime_shape(in.shape), in_data, result.data());
        break;
      }
    }
  }
  return values.at(g.output);
}

}  // namespace tinynas::compiler::testing
