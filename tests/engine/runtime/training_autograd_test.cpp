// The training kernels against LibTorch autograd on the dequantized float graph: real input
// s_x * (x_q - zp_x), real weights s_W(c) * W_q, real bias s_x * s_W(c) * b_q, the same padding
// and stride, and the upstream gradient masked where the int8 output was clamped. The kernels
// compute gradients with respect to the int8 values, so autograd's gradients are brought to
// those units: dL/dW_q = s_W * dL/dW, dL/db_q = s_x * s_W * dL/db, dL/dx_q = s_x * dL/dx, and the
// upstream dL/dy_q = s_y * dL/dy.
//
// Tolerance: LibTorch runs in double, the kernels in float with a different summation order
// (scatter loops against im2col / GEMM). Each gradient here is a sum of at most ~600 products;
// float summation of n terms errs by at most about n * 2^-24 of the sum of their magnitudes
// (~4e-5 for n = 600), and the requantization multiplier enters as a float (2^-24). Random signs
// keep the sum of magnitudes within a small factor of the largest gradient, so each value must be
// within 5e-5 of the largest magnitude of its tensor (observed: below 3e-7). An indexing, zero
// point or scaling mistake is off by whole terms (a zero point off by one: ~1e-2).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/compiler/quantization.h"
#include "engine/runtime/training_kernels.h"
#include "tests/engine/runtime/training_layers.h"

namespace tinynas::runtime {
namespace {

using training_test::Layer;
using training_test::layer_spec;
using training_test::LayerKind;
using training_test::LayerSpec;

constexpr double kRelativeTolerance = 5e-5;

torch::Tensor to_tensor(const std::vector<float>& values) {
  return torch::from_blob(const_cast<float*>(values.data()), {static_cast<int64_t>(values.size())},
                          torch::kFloat32)
      .to(torch::kFloat64);
}

// Every element of `actual` (float kernel output) within tolerance of `expected` (flat double).
void expect_close(const std::vector<float>& actual, const torch::Tensor& expected,
                  const std::string& what) {
  const torch::Tensor flat = expected.contiguous().reshape({-1});
  ASSERT_EQ(flat.numel(), static_cast<int64_t>(actual.size())) << what;
  const double largest = flat.abs().max().item<double>();
  ASSERT_GT(largest, 0.0) << what << ": an all-zero reference tests nothing";
  const torch::Tensor diff = (to_tensor(actual) - flat).abs();
  const int64_t worst = diff.argmax().item<int64_t>();
  EXPECT_LE(diff[worst].item<double>(), kRelativeTolerance * largest)
      << what << ": element " << worst << " kernel " << actual[static_cast<size_t>(worst)]
      << " autograd " << flat[worst].item<double>();
}

// The int8 tensor's real values, NHWC as stored.
torch::Tensor dequantize(const std::vector<int8_t>& values, double scale, int32_t zero_point) {
  std::vector<double> real;
  for (int8_t v : values) real.push_back(scale * (v - zero_point));
  return torch::tensor(real, torch::kFloat64);
}

struct FloatGraph {
  torch::Tensor input;   // leaf, NHWC flat
  torch::Tensor weight;  // leaf, [O][taps] in the filter's tap order
  torch::Tensor bias;    // leaf, [O]
  torch::Tensor output;  // NHWC flat, before the clamp
};

FloatGraph float_graph(const Layer& layer) {
  const Shape& in = layer.input_shape;
  const Shape& out = layer.output_shape;
  const int32_t taps = layer.taps();
  FloatGraph graph;
  graph.input = dequantize(layer.input, layer.input_scale, -layer.params.input_offset)
                    .set_requires_grad(true);
  std::vector<double> weight, bias;
  for (int32_t oc = 0; oc < out.c; ++oc) {
    const double s = layer.weight_scales[static_cast<size_t>(oc)];
    bias.push_back(layer.input_scale * s * layer.bias[static_cast<size_t>(oc)]);
    for (int32_t t = 0; t < taps; ++t) {
      // Row-major [O][taps]: the layer's tap t of channel oc (for depthwise, taps are C apart).
      const int32_t index =
          layer.spec.kind == LayerKind::kDepthwise ? t * out.c + oc : oc * taps + t;
      weight.push_back(s * layer.filter[static_cast<size_t>(index)]);
    }
  }
  graph.weight = torch::tensor(weight, torch::kFloat64).reshape({out.c, taps});
  graph.weight.set_requires_grad(true);
  graph.bias = torch::tensor(bias, torch::kFloat64).set_requires_grad(true);

  namespace F = torch::nn::functional;
  if (layer.spec.kind == LayerKind::kFullyConnected) {
    graph.output = F::linear(graph.input.reshape({1, -1}), graph.weight, graph.bias).reshape({-1});
    return graph;
  }
  const int32_t k = layer.filter_shape.h;
  const int32_t s = layer.params.stride_h;
  const int32_t pad_h = std::max((out.h - 1) * s + k - in.h, 0);
  const int32_t pad_w = std::max((out.w - 1) * s + k - in.w, 0);
  const torch::Tensor x = graph.input.reshape({1, in.h, in.w, in.c}).permute({0, 3, 1, 2});
  const torch::Tensor padded =
      F::pad(x, F::PadFuncOptions({layer.params.pad_left, pad_w - layer.params.pad_left,
                                   layer.params.pad_top, pad_h - layer.params.pad_top}));
  torch::Tensor w;
  int64_t groups = 1;
  if (layer.spec.kind == LayerKind::kDepthwise) {
    w = graph.weight.reshape({out.c, 1, k, k});
    groups = in.c;
  } else {
    w = graph.weight.reshape({out.c, k, k, in.c}).permute({0, 3, 1, 2});
  }
  const torch::Tensor y =
      F::conv2d(padded, w, F::Conv2dFuncOptions().bias(graph.bias).stride(s).groups(groups));
  graph.output = y.permute({0, 2, 3, 1}).reshape({-1});
  return graph;
}

class AutogradBackward : public ::testing::TestWithParam<LayerSpec> {};

TEST_P(AutogradBackward, GradientsMatchTheDequantizedFloatGraph) {
  const Layer layer = training_test::make_layer(GetParam());
  const Shape& out = layer.output_shape;
  torch::manual_seed(GetParam().seed);
  const torch::Tensor upstream = torch::randn({out.elements()}, torch::kFloat64);

  // Autograd: L = sum(y * dL/dy), with dL/dy zero where the int8 output sits on a clamp bound.
  std::vector<double> mask;
  for (int8_t y : layer.output) {
    mask.push_back(y > layer.params.activation_min && y < layer.params.activation_max ? 1.0 : 0.0);
  }
  const torch::Tensor masked = upstream * torch::tensor(mask, torch::kFloat64);
  ASSERT_GT(masked.abs().sum().item<double>(), 0.0);
  FloatGraph graph = float_graph(layer);
  (graph.output * masked).sum().backward();

  // Kernels: from dL/dy_q = s_y * dL/dy through the clamp and requantization.
  std::vector<float> output_grad;
  for (int64_t i = 0; i < upstream.numel(); ++i) {
    output_grad.push_back(static_cast<float>(upstream[i].item<double>() * layer.output_scale));
  }
  std::vector<float> acc_grad(output_grad.size());
  conv_output_backward_s8(layer.params, layer.quant(), out, layer.output.data(), output_grad.data(),
                          acc_grad.data());

  const std::vector<int32_t> channels = training_test::all_channels(out.c);
  const int32_t taps = layer.taps();
  std::vector<float> weight_grad(static_cast<size_t>(out.c * taps));
  training_test::run_weight_backward(layer, acc_grad.data(), channels, weight_grad.data());
  const torch::Tensor weight_scales = torch::tensor(
      std::vector<double>(layer.weight_scales.begin(), layer.weight_scales.end()), torch::kFloat64);
  const torch::Tensor expected_weight_grad =
      graph.weight.grad() * weight_scales.reshape({out.c, 1});
  expect_close(weight_grad, expected_weight_grad, "weight gradient");

  // The sparse update: every third channel from the second, from the channels the forward saved.
  const torch::Tensor flat = expected_weight_grad.contiguous().reshape({-1});
  const std::vector<double> whole(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
  const std::vector<int32_t> chosen = training_test::chosen_channels(layer, 1, 3);
  expect_close(training_test::run_saved_weight_backward(layer, acc_grad.data(), chosen),
               torch::tensor(training_test::chosen_slice(layer, whole, chosen), torch::kFloat64),
               "weight gradient of the chosen channels");

  std::vector<float> bias_grad(static_cast<size_t>(out.c));
  bias_backward(out, acc_grad.data(), bias_grad.data());
  expect_close(bias_grad, graph.bias.grad() * weight_scales * layer.input_scale, "bias gradient");

  std::vector<float> input_grad(static_cast<size_t>(layer.input_shape.elements()));
  training_test::run_input_backward(layer, acc_grad.data(), GradientWrite::kOverwrite,
                                    input_grad.data());
  expect_close(input_grad, graph.input.grad() * layer.input_scale, "input gradient");
}

INSTANTIATE_TEST_SUITE_P(
    Layers, AutogradBackward,
    ::testing::Values(layer_spec(LayerKind::kConv, 12, 3, 8, 3, 2, true, 101),  // the stem
                      layer_spec(LayerKind::kConv, 8, 4, 6, 3, 1, false, 102),
                      layer_spec(LayerKind::kPointwise, 7, 24, 16, 1, 1, true, 103),
                      layer_spec(LayerKind::kPointwise, 5, 16, 24, 1, 1, false, 104),
                      layer_spec(LayerKind::kDepthwise, 10, 16, 16, 3, 1, true, 105),
                      layer_spec(LayerKind::kDepthwise, 10, 16, 16, 3, 2, true, 106),
                      layer_spec(LayerKind::kDepthwise, 11, 8, 8, 5, 1, true, 107),
                      layer_spec(LayerKind::kDepthwise, 11, 8, 8, 5, 2, false, 108),
                      layer_spec(LayerKind::kDepthwise, 12, 8, 8, 7, 1, true, 109),
                      layer_spec(LayerKind::kDepthwise, 12, 8, 8, 7, 2, true, 110),
                      layer_spec(LayerKind::kDepthwise, 6, 4, 8, 3, 1, false, 111),
                      layer_spec(LayerKind::kFullyConnected, 1, 64, 10, 1, 1, false, 112),
                      layer_spec(LayerKind::kFullyConnected, 2, 8, 5, 1, 1, true, 113)),
    [](const ::testing::TestParamInfo<LayerSpec>& param) {
      return training_test::describe(param.param);
    });

TEST(AutogradBackward, GlobalAveragePoolMatchesTheMean) {
  const Shape shape = make_shape(4, 3, 6);
  const double input_scale = 0.08, output_scale = 0.03;
  const auto m =
      compiler::global_average_pool_multiplier(input_scale, output_scale, shape.h, shape.w);
  GlobalPoolParams params{};
  params.output_multiplier = m.multiplier;
  params.output_shift = m.shift;
  params.activation_min = -128;
  params.activation_max = 127;
  const std::vector<int8_t> output = {3, -7, 40, 0, 90, -100};  // none clamped
  torch::manual_seed(7);
  const torch::Tensor upstream = torch::randn({shape.c}, torch::kFloat64);
  const torch::Tensor x =
      torch::randn({shape.h * shape.w, shape.c}, torch::kFloat64).set_requires_grad(true);
  (x.mean(0) * upstream).sum().backward();

  std::vector<float> output_grad;
  for (int32_t c = 0; c < shape.c; ++c) {
    output_grad.push_back(static_cast<float>(upstream[c].item<double>() * output_scale));
  }
  std::vector<float> input_grad(static_cast<size_t>(shape.elements()));
  global_avgpool_s8_backward(params, shape, output.data(), output_grad.data(),
                             GradientWrite::kOverwrite, input_grad.data());
  expect_close(input_grad, x.grad() * input_scale, "global average pool input gradient");
}

TEST(AutogradBackward, ResidualAddMatchesTheSum) {
  const double scale0 = 0.03, scale1 = 0.07, output_scale = 0.05;
  const AddParams params =
      training_test::add_params_for_scales(scale0, scale1, output_scale, -128, 127);
  const int32_t size = 32;
  const std::vector<int8_t> output(static_cast<size_t>(size), 5);  // none clamped
  torch::manual_seed(8);
  const torch::Tensor upstream = torch::randn({size}, torch::kFloat64);
  const torch::Tensor x0 = torch::randn({size}, torch::kFloat64).set_requires_grad(true);
  const torch::Tensor x1 = torch::randn({size}, torch::kFloat64).set_requires_grad(true);
  ((x0 + x1) * upstream).sum().backward();

  std::vector<float> output_grad;
  for (int32_t i = 0; i < size; ++i) {
    output_grad.push_back(static_cast<float>(upstream[i].item<double>() * output_scale));
  }
  std::vector<float> grad0(static_cast<size_t>(size)), grad1(static_cast<size_t>(size));
  add_s8_backward(params, output.data(), output_grad.data(), size, GradientWrite::kOverwrite,
                  grad0.data(), grad1.data());
  expect_close(grad0, x0.grad() * scale0, "add input 0 gradient");
  expect_close(grad1, x1.grad() * scale1, "add input 1 gradient");
}

TEST(AutogradBackward, SoftmaxCrossEntropyMatchesTheLoss) {
  const std::vector<int8_t> logits = {12, -40, 77, 3, 0, -128, 127, 55, -9, 31};
  const float scale = 0.07f;
  const int32_t zero_point = 4;
  const int64_t label = 7;
  const torch::Tensor real =
      dequantize(logits, scale, zero_point).reshape({1, 10}).set_requires_grad(true);
  const torch::Tensor loss =
      torch::nn::functional::cross_entropy(real, torch::tensor({label}, torch::kLong));
  loss.backward();

  std::vector<float> grad(logits.size());
  const float label_probability = softmax_cross_entropy_backward_s8(
      logits.data(), 10, scale, static_cast<int32_t>(label), grad.data());
  EXPECT_NEAR(-std::log(label_probability), loss.item<double>(), 1e-5);
  expect_close(grad, real.grad() * scale, "logit gradient");
}

}  // namespace
}  // namespace tinynas::runtime
