// Bit-exactness of the firmware's DSP kernels (firmware/kernels/*_dsp.cpp) against the host
// engine, on QEMU: single-op models of pointwise, depthwise and in-place depthwise convolution and
// fully connected layers over shapes that hit every fast path and every fallback (odd pixel and
// channel counts, input depths that are not a multiple of 4 or exceed one packing chunk, output
// channel counts beyond one requantization block, kernels larger than the input, strides 1 and 2,
// valid and same padding, inputs too wide for the in-place ring), with zero points at -128 and 127,
// all three activations and requantization shifts of both signs; the general convolution with
// TFLite's windows (kh != kw such as 10 x 4, unequal strides, SAME padding with the extra row /
// column at the bottom / right), depthwise convolutions with a depth multiplier, and the version-2
// network (pad, max pool, requantize, concatenation, reshape, each of TFLite Micro's three MEAN
// computations, fully connected with per-tensor weights, softmax), and residual adds (the DSP
// add).
// One QEMU boot per board serves every model. Skipped when the runner images or qemu-system-arm
// are missing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "config/json_file.h"
#include "engine/compiler/graph.h"
#include "engine/compiler/graph_builder.h"
#include "engine/compiler/host_runner.h"
#include "engine/compiler/layer_graph.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "engine/runtime/crc32.h"
#include "tests/engine/compiler/model_test_graphs.h"
#include "tests/engine/compiler/random_network.h"
#include "tests/firmware/qemu_board_link.h"

#ifndef TINYNAS_FIRMWARE_DIR
#define TINYNAS_FIRMWARE_DIR ""
#endif

namespace tinynas::firmware {
namespace {

namespace p = protocol;
using compiler::Activation;
using compiler::Graph;
using compiler::Op;
using compiler::OpKind;
using compiler::Tensor;
using compiler::TensorShape;
using testing::decode_body;
using testing::encode_body;
using testing::QemuBoardLink;
using testing::Reply;

constexpr int32_t kZeroPointMin = -128;
constexpr int32_t kZeroPointMax = 127;

struct KernelCase {
  OpKind kind;
  int h, w, in_c, out_c;  // out_c == in_c for depthwise
  int kernel = 1, stride = 1;
  bool same_padding = true;
  bool in_place = false;
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  Activation activation = Activation::kNone;
  float output_scale_factor = 1.0f;  // < 1 pushes the shift positive (left shift path)
  // Nonzero: every third channel (1, 4, 7, ...) gets this bias, with alternating sign.
  int32_t large_bias = 0;

  std::string describe() const {
    const char* kind_name = kind == OpKind::kConv2d           ? "pointwise"
                            : kind == OpKind::kFullyConnected ? "fully connected"
                                                              : "depthwise";
    return std::string(kind_name) + (in_place ? " in-place" : "") + " " + std::to_string(h) + "x" +
           std::to_string(w) + "x" + std::to_string(in_c) + "->" + std::to_string(out_c) + " k" +
           std::to_string(kernel) + " s" + std::to_string(stride) +
           (same_padding ? " same" : " valid") + " zp " + std::to_string(input_zero_point) + "/" +
           std::to_string(output_zero_point) + " act " +
           std::to_string(static_cast<int>(activation)) + " scale x" +
           std::to_string(output_scale_factor) +
           (large_bias != 0 ? " bias +-" + std::to_string(large_bias) : "");
  }
};

struct BuiltModel {
  std::vector<uint8_t> bytes;
  bool in_place = false;
};

BuiltModel single_op_model(const KernelCase& k, uint32_t seed) {
  Graph graph;
  if (k.kind == OpKind::kFullyConnected) {
    compiler::LayerSpec layer;
    layer.kind = OpKind::kFullyConnected;
    layer.h = k.h;
    layer.w = k.w;
    layer.in_c = k.in_c;
    layer.out_c = k.out_c;
    graph = compiler::layer_graph(layer);
  } else {
    const int pad = k.same_padding ? k.kernel / 2 : 0;
    const int out_h = (k.h + 2 * pad - k.kernel) / k.stride + 1;
    const int out_w = (k.w + 2 * pad - k.kernel) / k.stride + 1;
    const int pad_bottom = std::max(0, (out_h - 1) * k.stride + k.kernel - k.h - pad);
    const int pad_right = std::max(0, (out_w - 1) * k.stride + k.kernel - k.w - pad);
    const compiler::LayerSpec layer{k.kind,   k.h,        k.w,       k.in_c,      k.out_c,
                                    k.kernel, k.kernel,   k.stride,  k.stride,    pad,
                                    pad,      pad_bottom, pad_right, k.activation};
    graph = compiler::layer_graph(layer);
    graph.ops[0].allow_in_place = k.in_place;
  }
  compiler::fill_random_weights(graph, seed);
  if (k.large_bias != 0) {
    std::vector<int32_t>& bias = graph.ops[0].bias;
    for (size_t c = 1; c < bias.size(); c += 3)
      bias[c] = (c % 2 == 0) ? k.large_bias : -k.large_bias;
  }

  // Quantization at the edges of what the format allows.
  graph.tensors[graph.input].zero_point = k.input_zero_point;
  Tensor& out = graph.tensors[graph.output];
  out.zero_point = k.output_zero_point;
  out.scale *= k.output_scale_factor;

  compiler::PlannerOptions options;
  options.in_place_depthwise = k.in_place;
  const compiler::MemoryPlan plan = compiler::plan_memory(graph, options);
  BuiltModel built;
  built.in_place = !plan.in_place.empty() && plan.in_place[0];
  built.bytes = compiler::write_model(graph, plan);
  return built;
}

// A deterministic spread of cases: fixed shapes for every path, then seeded random ones.
std::vector<KernelCase> kernel_cases() {
  std::vector<KernelCase> cases;
  const Activation activations[] = {Activation::kNone, Activation::kRelu, Activation::kRelu6};
  const int32_t zero_points[] = {kZeroPointMin, kZeroPointMax, 0, -3, 77};
  const float scale_factors[] = {1.0f, 0.25f, 0.01f, 4.0f};
  size_t variant = 0;
  auto add = [&](KernelCase k) {
    k.input_zero_point = zero_points[variant % std::size(zero_points)];
    k.output_zero_point = zero_points[(variant * 3 + 1) % std::size(zero_points)];
    k.activation = activations[variant % std::size(activations)];
    k.output_scale_factor = scale_factors[(variant / 2) % std::size(scale_factors)];
    ++variant;
    cases.push_back(k);
  };
  // Pointwise: {h, w, in_c, out_c}.
  const int pointwise[][4] = {{1, 1, 1, 1},   {3, 7, 3, 5},   {4, 4, 8, 8},   {7, 5, 17, 33},
                              {2, 3, 260, 6}, {3, 1, 521, 9}, {1, 3, 64, 65}, {6, 6, 64, 96},
                              {5, 5, 16, 2},  {2, 2, 4, 31},  {9, 9, 24, 48}, {1, 2, 12, 1}};
  for (const auto& s : pointwise) add({OpKind::kConv2d, s[0], s[1], s[2], s[3]});
  // Fully connected: {h, w, c, outputs}; the depth h*w*c around the 4-value groups, the 512-value
  // packed chunk (one chunk, several chunks with rows in passes of 64) and row counts around the
  // 4-row block.
  const int fully_connected[][4] = {{1, 1, 1, 1},    {1, 1, 3, 2},     {1, 1, 320, 10},
                                    {1, 1, 7, 5},    {2, 3, 5, 7},     {1, 1, 512, 4},
                                    {1, 1, 513, 3},  {1, 1, 1029, 67}, {4, 4, 80, 129},
                                    {1, 1, 1280, 9}, {1, 1, 2048, 66}, {3, 1, 1, 13}};
  for (const auto& s : fully_connected) add({OpKind::kFullyConnected, s[0], s[1], s[2], s[3]});
  // Depthwise: {h, w, c, kernel, stride, same padding}.
  const int depthwise[][6] = {{6, 6, 4, 3, 1, 1},    {7, 5, 13, 3, 2, 1}, {9, 9, 8, 5, 1, 1},
                              {10, 11, 16, 7, 2, 1}, {2, 2, 5, 7, 1, 1},  {8, 8, 36, 3, 1, 0},
                              {12, 7, 1, 5, 2, 0},   {3, 9, 20, 3, 1, 1}, {11, 11, 12, 7, 1, 1}};
  for (const auto& s : depthwise) {
    for (const bool in_place : {false, true}) {
      KernelCase k{OpKind::kDepthwiseConv2d, s[0], s[1], s[2], s[2], s[3], s[4], s[5] != 0};
      k.in_place = in_place;
      add(k);
    }
  }
  // In-place inputs too wide for the 4-channel ring on the stack: the per-channel fallback.
  KernelCase wide{OpKind::kDepthwiseConv2d, 4, 250, 6, 6, 3, 1, true, true};
  add(wide);
  KernelCase wide7{OpKind::kDepthwiseConv2d, 9, 96, 8, 8, 7, 2, true, true};
  add(wide7);

  // Depthwise 3x3, the specialised path (firmware/kernels/depthwise_3x3_dsp.h): tiny inputs, odd
  // channel counts (C % 4 leftovers), both strides, valid and same padding, in place and not;
  // output scales that give right shifts beyond its fast requantization (x1e5, x3e5) and left
  // shifts (x0.001); biases just beyond its fast range.
  // {h, w, c, stride, same padding, in place}
  const int depthwise3x3[][6] = {{1, 1, 4, 1, 1, 0},    {2, 2, 8, 1, 1, 1},  {3, 3, 5, 1, 1, 0},
                                 {3, 3, 12, 2, 1, 1},   {2, 2, 4, 2, 1, 0},  {1, 1, 3, 2, 1, 1},
                                 {5, 9, 4, 1, 0, 0},    {9, 5, 7, 2, 0, 1},  {8, 7, 13, 1, 1, 0},
                                 {7, 8, 16, 2, 1, 0},   {4, 4, 20, 1, 0, 1}, {10, 3, 4, 2, 1, 1},
                                 {3, 10, 8, 1, 1, 0},   {6, 11, 9, 2, 1, 0}, {12, 12, 32, 1, 1, 1},
                                 {11, 13, 24, 2, 1, 1}, {4, 5, 1, 1, 1, 0},  {3, 4, 2, 2, 0, 0}};
  const float depthwise3x3_scales[] = {1.0f, 1e5f, 3e5f, 0.001f};
  size_t depthwise3x3_variant = 0;
  for (const auto& s : depthwise3x3) {
    add({OpKind::kDepthwiseConv2d, s[0], s[1], s[2], s[2], 3, s[3], s[4] != 0, s[5] != 0});
    KernelCase k = cases.back();  // add()'s zero points and activation, other scale and bias
    k.output_scale_factor = depthwise3x3_scales[depthwise3x3_variant % 4];
    // (a left shift with such a bias would overflow: the validator refuses it)
    const bool large_bias = depthwise3x3_variant % 4 == 1 || depthwise3x3_variant % 8 == 0;
    k.large_bias = large_bias ? (int32_t{1} << 29) + 7 : 0;
    ++depthwise3x3_variant;
    cases.push_back(k);
  }

  std::mt19937 random(20240531u);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random); };
  for (int i = 0; i < 4; ++i) {
    add({OpKind::kConv2d, pick(1, 8), pick(1, 8), pick(1, 70), pick(1, 70)});
  }
  for (int i = 0; i < 4; ++i) {
    add({OpKind::kFullyConnected, 1, 1, pick(1, 1100), pick(1, 80)});
  }
  for (int i = 0; i < 4; ++i) {
    const int kernel = 2 * pick(1, 3) + 1;
    const int c = pick(1, 24);
    KernelCase k{OpKind::kDepthwiseConv2d, pick(1, 12), pick(1, 12), c, c, kernel, pick(1, 2)};
    k.same_padding = true;
    k.in_place = (i % 2) == 1;
    add(k);
  }
  return cases;
}

// A model for the board, with what the test expects of its plan.
struct ModelCase {
  std::string description;
  std::vector<uint8_t> bytes;
  bool expect_in_place = false;
  bool in_place = false;
};

// One convolution or depthwise convolution with TFLite's window: kh x kw, strides, SAME (extra
// row / column at the bottom / right) or VALID; depthwise channel multiplier out_c / in_c.
struct WindowCase {
  OpKind kind;
  int h, w, in_c, out_c, kernel_h, kernel_w, stride_h, stride_w;
  bool same;
  std::string describe() const {
    return std::string(kind == OpKind::kConv2d ? "conv" : "depthwise") + " " + std::to_string(h) +
           "x" + std::to_string(w) + "x" + std::to_string(in_c) + "->" + std::to_string(out_c) +
           " k" + std::to_string(kernel_h) + "x" + std::to_string(kernel_w) + " s" +
           std::to_string(stride_h) + "x" + std::to_string(stride_w) + (same ? " same" : " valid");
  }
};

ModelCase window_model(const WindowCase& c, size_t variant) {
  const int32_t zero_points[] = {kZeroPointMin, kZeroPointMax, 0, -3, 77};
  const Activation activations[] = {Activation::kNone, Activation::kRelu, Activation::kRelu6};
  const compiler::testing::WindowDimension rows =
      compiler::testing::tflite_window(c.h, c.kernel_h, c.stride_h, c.same);
  const compiler::testing::WindowDimension cols =
      compiler::testing::tflite_window(c.w, c.kernel_w, c.stride_w, c.same);
  const Activation activation = activations[variant % std::size(activations)];
  const compiler::LayerSpec layer{
      c.kind,         c.h,        c.w,        c.in_c,          c.out_c,         c.kernel_h,
      c.kernel_w,     c.stride_h, c.stride_w, rows.pad_before, cols.pad_before, rows.pad_after,
      cols.pad_after, activation};
  Graph graph = compiler::layer_graph(layer);
  compiler::fill_random_weights(graph, static_cast<uint32_t>(700 + variant));
  graph.tensors[graph.input].zero_point = zero_points[variant % std::size(zero_points)];
  graph.tensors[graph.output].zero_point = zero_points[(variant * 3 + 1) % std::size(zero_points)];
  // < 1 pushes the requantization shift positive (the left shift path).
  const float scale_factors[] = {1.0f, 0.25f, 0.01f, 4.0f};
  graph.tensors[graph.output].scale *= scale_factors[(variant / 2) % std::size(scale_factors)];
  ModelCase model;
  model.description = c.describe();
  model.bytes = compiler::write_model(graph, compiler::plan_memory(graph));
  return model;
}

// A residual: x -> pointwise conv (c -> c) -> add(x, conv), for the DSP add (sizes around its
// 4-element steps, zero points at the ends of the range, activations).
ModelCase residual_model(int h, int w, int c, size_t variant) {
  const int32_t zero_points[] = {kZeroPointMin, kZeroPointMax, 0, -3, 77};
  const Activation activations[] = {Activation::kNone, Activation::kRelu, Activation::kRelu6};
  Graph graph;
  Tensor input;
  input.name = "input";
  input.shape = {1, h, w, c};
  graph.input = graph.add_tensor(input);
  Tensor weights;
  weights.name = "conv.weight";
  weights.is_constant = true;
  weights.shape = {c, 1, 1, c};
  Tensor conv_output;
  conv_output.name = "conv";
  conv_output.shape = {1, h, w, c};
  Op conv;
  conv.kind = OpKind::kConv2d;
  conv.name = "conv";
  conv.inputs = {graph.input};
  conv.weights = graph.add_tensor(weights);
  conv.output = graph.add_tensor(conv_output);
  graph.add_op(conv);
  Tensor sum;
  sum.name = "add";
  sum.shape = {1, h, w, c};
  Op add;
  add.kind = OpKind::kAdd;
  add.name = "add";
  add.inputs = {graph.input, conv.output};
  add.output = graph.add_tensor(sum);
  add.activation = activations[variant % std::size(activations)];
  graph.output = add.output;
  graph.add_op(add);
  compiler::fill_random_weights(graph, static_cast<uint32_t>(900 + variant));
  graph.tensors[graph.input].zero_point = zero_points[variant % std::size(zero_points)];
  graph.tensors[graph.output].zero_point = zero_points[(variant * 3 + 1) % std::size(zero_points)];
  ModelCase model;
  model.description = "residual add " + std::to_string(h) + "x" + std::to_string(w) + "x" +
                      std::to_string(c) + " variant " + std::to_string(variant);
  model.bytes = compiler::write_model(graph, compiler::plan_memory(graph));
  return model;
}

// The version-2 network with its MEAN in each of TFLite Micro's computations.
std::vector<ModelCase> version2_network_models() {
  std::vector<ModelCase> models;
  const char* modes[] = {"float mean", "rescale-then-divide mean", "truncated mean"};
  for (int mode = 0; mode < 3; ++mode) {
    for (uint32_t seed = 1; seed <= 2; ++seed) {
      Graph graph = compiler::testing::make_tflite_ops_graph(seed);
      Op& mean = graph.ops[7];
      if (mode == 1) mean.keep_dims = true;
      if (mode == 2) {  // same quantization in and out
        graph.tensors[mean.output].scale = graph.tensors[mean.inputs[0]].scale;
        graph.tensors[mean.output].zero_point = graph.tensors[mean.inputs[0]].zero_point;
      }
      ModelCase model;
      model.description =
          std::string("version-2 network, ") + modes[mode] + ", seed " + std::to_string(seed);
      model.bytes = compiler::write_model(graph, compiler::plan_memory(graph));
      models.push_back(model);
    }
  }
  return models;
}

std::vector<ModelCase> tflite_models() {
  std::vector<ModelCase> models;
  const WindowCase windows[] = {
      {OpKind::kConv2d, 20, 10, 1, 8, 10, 4, 2, 1, true},  // speech: 10 x 4 over a spectrogram
      {OpKind::kConv2d, 9, 7, 3, 5, 5, 3, 2, 1, true},
      {OpKind::kConv2d, 8, 11, 6, 3, 3, 5, 1, 2, true},
      {OpKind::kConv2d, 12, 12, 8, 16, 3, 3, 2, 2, true},  // even output channels, input 8
      {OpKind::kConv2d, 7, 9, 5, 7, 2, 2, 1, 1, true},     // even kernel: padding after only
      {OpKind::kConv2d, 10, 6, 17, 9, 4, 1, 3, 1, false},
      {OpKind::kConv2d, 5, 5, 2, 1, 1, 5, 1, 1, true},
      // The im2col path: 3 input channels (a window row of 9 values), K % 4 != 0, K below 4,
      // K over one 192-value chunk, output channels past one 16-channel block, one pixel.
      {OpKind::kConv2d, 17, 13, 3, 16, 3, 3, 2, 2, true},  // the first conv: padding 1 all round
      {OpKind::kConv2d, 12, 11, 3, 7, 3, 3, 1, 1, true},
      {OpKind::kConv2d, 8, 8, 1, 3, 1, 3, 1, 1, true},    // K = 3
      {OpKind::kConv2d, 6, 6, 3, 4, 1, 1, 2, 2, false},   // 1x1 stride 2: not pointwise, K = 3
      {OpKind::kConv2d, 9, 8, 40, 6, 3, 3, 1, 1, true},   // K = 360: two chunks
      {OpKind::kConv2d, 7, 7, 29, 5, 3, 3, 2, 1, false},  // K = 261: chunks 256 + 4, tail 1
      {OpKind::kConv2d, 6, 5, 3, 37, 3, 3, 2, 2, true},
      {OpKind::kConv2d, 3, 3, 5, 4, 3, 3, 1, 1, false},  // a single output pixel
      {OpKind::kConv2d, 10, 9, 6, 9, 5, 5, 2, 2, true},
      {OpKind::kDepthwiseConv2d, 9, 8, 3, 6, 3, 3, 1, 1, true},
      {OpKind::kDepthwiseConv2d, 10, 7, 4, 16, 5, 2, 2, 1, true},
      {OpKind::kDepthwiseConv2d, 6, 11, 5, 15, 2, 3, 1, 2, false},
      // 3x3 with TFLite's SAME windows: at stride 2 the padding is after only (or none).
      {OpKind::kDepthwiseConv2d, 8, 8, 12, 12, 3, 3, 2, 2, true},
      {OpKind::kDepthwiseConv2d, 9, 7, 8, 8, 3, 3, 2, 2, true},
      {OpKind::kDepthwiseConv2d, 7, 10, 20, 20, 3, 3, 1, 1, true},
      {OpKind::kDepthwiseConv2d, 6, 6, 7, 7, 3, 3, 2, 2, false},
      {OpKind::kDepthwiseConv2d, 7, 7, 4, 4, 3, 3, 1, 2, true},  // unequal strides: general path
  };
  size_t variant = 0;
  for (const WindowCase& c : windows) models.push_back(window_model(c, variant++));
  const int residuals[][3] = {{1, 1, 1}, {3, 1, 1}, {2, 2, 1}, {5, 3, 3}, {4, 4, 16}, {7, 5, 9}};
  for (const auto& r : residuals) models.push_back(residual_model(r[0], r[1], r[2], variant++));
  for (ModelCase& model : version2_network_models()) models.push_back(std::move(model));
  return models;
}

struct BoardUnderTest {
  std::string kind;
  nlohmann::json facts;
  std::string elf;
};

BoardUnderTest board(const std::string& kind) {
  BoardUnderTest b;
  b.kind = kind;
  b.facts =
      config::read_json_file(std::string(TINYNAS_SOURCE_DIR) + "/configs/boards/" + kind + ".json");
  b.elf = std::string(TINYNAS_FIRMWARE_DIR) + "/" + kind + "/tinynas-runner.elf";
  return b;
}

bool image_and_qemu_present(const BoardUnderTest& b) {
  return std::ifstream(b.elf).good() &&
         std::system("qemu-system-arm --version > /dev/null 2>&1") == 0;
}

p::ReplyStatus upload(QemuBoardLink& link, const std::vector<uint8_t>& model) {
  Reply r = link.request(p::Command::kLoadBegin,
                         encode_body(p::LoadBeginRequest{static_cast<uint32_t>(model.size())}));
  if (r.header.status != p::ReplyStatus::kOk) return r.header.status;
  for (size_t offset = 0; offset < model.size(); offset += p::kMaxChunk) {
    const size_t size = std::min(p::kMaxChunk, model.size() - offset);
    r = link.request(p::Command::kLoadChunk,
                     encode_body(p::LoadChunkRequest{static_cast<uint32_t>(offset),
                                                     model.data() + offset, size}));
    if (r.header.status != p::ReplyStatus::kOk) return r.header.status;
  }
  r = link.request(p::Command::kLoadEnd,
                   encode_body(p::LoadEndRequest{runtime::crc32(model.data(), model.size())}));
  return r.header.status;
}

std::vector<int8_t> read_output(QemuBoardLink& link, uint32_t size) {
  std::vector<int8_t> output;
  while (output.size() < size) {
    const uint16_t length =
        static_cast<uint16_t>(std::min<size_t>(p::kMaxOutputChunk, size - output.size()));
    const Reply r =
        link.request(p::Command::kOutput,
                     encode_body(p::OutputRequest{static_cast<uint32_t>(output.size()), length}));
    p::OutputReply chunk;
    if (r.header.status != p::ReplyStatus::kOk || !decode_body(r, chunk)) break;
    output.insert(output.end(), reinterpret_cast<const int8_t*>(chunk.data),
                  reinterpret_cast<const int8_t*>(chunk.data) + chunk.size);
  }
  return output;
}

// Every request costs a few tens of milliseconds of emulated serial line, so the other DSP image
// (Cortex-M7) runs every `case_stride`-th case only.
struct DspBoard {
  const char* kind;
  size_t case_stride;
};

class DspKernels : public ::testing::TestWithParam<DspBoard> {};

TEST_P(DspKernels, MatchTheHostEngineBitForBit) {
  const BoardUnderTest b = board(GetParam().kind);
  if (!image_and_qemu_present(b)) {
    GTEST_SKIP() << "no runner image at " << b.elf << " or no qemu-system-arm";
  }
  QemuBoardLink link(b.elf, "qemu-system-arm", b.facts["emulator"]["machine"].get<std::string>(),
                     b.facts["emulator"]["icount_shift"].get<int>());
  std::vector<ModelCase> models;
  const std::vector<KernelCase> cases = kernel_cases();
  for (size_t i = 0; i < cases.size(); ++i) {
    const BuiltModel built = single_op_model(cases[i], static_cast<uint32_t>(1000 + i));
    models.push_back(
        ModelCase{cases[i].describe(), built.bytes, cases[i].in_place, built.in_place});
  }
  for (ModelCase& model : tflite_models()) models.push_back(std::move(model));
  int in_place_models = 0;
  for (size_t i = 0; i < models.size(); i += GetParam().case_stride) {
    const ModelCase& model = models[i];
    SCOPED_TRACE("case " + std::to_string(i) + ": " + model.description);
    const uint32_t seed = static_cast<uint32_t>(1000 + i);
    if (model.expect_in_place) {
      EXPECT_TRUE(model.in_place) << "the planner did not run the depthwise conv in place";
    }
    in_place_models += model.in_place ? 1 : 0;
    ASSERT_EQ(upload(link, model.bytes), p::ReplyStatus::kOk);

    const Reply r = link.request(p::Command::kRun,
                                 encode_body(p::RunRequest{1, p::InputMode::kPseudoRandom, seed}));
    ASSERT_EQ(r.header.status, p::ReplyStatus::kOk) << p::reply_status_name(r.header.status);
    p::RunReply run;
    ASSERT_TRUE(decode_body(r, run));

    compiler::HostRunOptions options;
    options.pattern = compiler::InputPattern::kPseudoRandom;
    options.seed = seed;
    const compiler::LoadedModel host_model(model.bytes, "dsp-kernel-case");
    const compiler::HostRunResult host = compiler::run_on_host(host_model, options);
    const std::vector<int8_t> board_output = read_output(link, run.output_bytes);
    ASSERT_EQ(board_output.size(), host.output.size());
    size_t mismatches = 0;
    size_t first = board_output.size();
    for (size_t j = 0; j < board_output.size(); ++j) {
      if (board_output[j] != host.output[j]) {
        ++mismatches;
        first = std::min(first, j);
      }
    }
    EXPECT_EQ(mismatches, 0u) << "first mismatch at byte " << first << ": board "
                              << int{board_output[first]} << ", host " << int{host.output[first]};
  }
  EXPECT_GT(in_place_models, 0);
}

std::string board_test_name(const ::testing::TestParamInfo<DspBoard>& param) {
  std::string name = param.param.kind;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

// The Cortex-M4 DSP image (every case) and the Cortex-M7 DSP image.
INSTANTIATE_TEST_SUITE_P(Boards, DspKernels,
                         ::testing::Values(DspBoard{"qemu-mps2-an386", 1},
                                           DspBoard{"qemu-mps2-an500", 2},
                                           DspBoard{"qemu-mps2-an505", 2},   // Cortex-M33
                                           DspBoard{"qemu-mps3-an547", 1}),  // Cortex-M55
                         board_test_name);

}  // namespace
}  // namespace tinynas::firmware
