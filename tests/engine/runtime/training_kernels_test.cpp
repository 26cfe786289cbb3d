// The training kernels against plain int64 / double math (training_layers.h): exact where the
// math is integer (integer-valued gradients keep every float sum below 2^24, so float is exact),
// the clamp, the sparse channel selection, the QAS update formula, rounding and saturation, and a
// few SGD + QAS steps that lower a loss.
#include "engine/runtime/training_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/engine/runtime/training_layers.h"

namespace tinynas::runtime {
namespace {

using training_test::all_channels;
using training_test::Layer;
using training_test::layer_spec;
using training_test::LayerKind;
using training_test::LayerSpec;
using training_test::make_layer;

// Integer accumulator gradients in [-4, 4], some zero (as clamped outputs give).
std::vector<int64_t> integer_gradients(int32_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-4, 4);
  std::vector<int64_t> grad;
  for (int32_t i = 0; i < size; ++i) grad.push_back(value(rng));
  return grad;
}

std::vector<float> as_float(const std::vector<int64_t>& values) {
  return std::vector<float>(values.begin(), values.end());
}

class ExactBackward : public ::testing::TestWithParam<LayerSpec> {};

// Weight, bias and input gradients equal the int64 reference exactly, for the selected channels.
TEST_P(ExactBackward, GradientsEqualInt64Reference) {
  const Layer layer = make_layer(GetParam());
  const std::vector<int64_t> acc_grad =
      integer_gradients(layer.output_shape.elements(), GetParam().seed + 7);
  const std::vector<float> acc_grad_f = as_float(acc_grad);

  const std::vector<int64_t> weight_ref = training_test::reference_weight_grad(layer, acc_grad);
  const int32_t taps = layer.taps();
  // Every other channel, in reverse order: rows follow the selection, not the channel index.
  std::vector<int32_t> channels;
  for (int32_t c = layer.output_shape.c - 1; c >= 0; c -= 2) channels.push_back(c);
  std::vector<float> weight_grad(channels.size() * static_cast<size_t>(taps), -1.0f);
  training_test::run_weight_backward(layer, acc_grad_f.data(), channels, weight_grad.data());
  for (size_t j = 0; j < channels.size(); ++j) {
    for (int32_t t = 0; t < taps; ++t) {
      ASSERT_EQ(weight_grad[j * static_cast<size_t>(taps) + static_cast<size_t>(t)],
                static_cast<float>(weight_ref[static_cast<size_t>(channels[j] * taps + t)]))
          << "channel " << channels[j] << " tap " << t;
    }
  }

  const std::vector<int64_t> input_ref = training_test::reference_input_grad(layer, acc_grad);
  std::vector<float> input_grad(input_ref.size(), 123.0f);
  training_test::run_input_backward(layer, acc_grad_f.data(), GradientWrite::kOverwrite,
                                    input_grad.data());
  for (size_t i = 0; i < input_ref.size(); ++i) {
    ASSERT_EQ(input_grad[i], static_cast<float>(input_ref[i])) << "input element " << i;
  }
  // kAccumulate adds onto what the buffer holds (the skip branch's gradient).
  std::vector<float> accumulated(input_ref.size(), 3.0f);
  training_test::run_input_backward(layer, acc_grad_f.data(), GradientWrite::kAccumulate,
                                    accumulated.data());
  for (size_t i = 0; i < input_ref.size(); ++i) {
    ASSERT_EQ(accumulated[i], static_cast<float>(input_ref[i] + 3)) << "input element " << i;
  }

  const std::vector<int64_t> bias_ref = training_test::reference_bias_grad(layer, acc_grad);
  std::vector<float> bias_grad(bias_ref.size(), -1.0f);
  bias_backward(layer.output_shape, acc_grad_f.data(), bias_grad.data());
  for (size_t c = 0; c < bias_ref.size(); ++c) {
    ASSERT_EQ(bias_grad[c], static_cast<float>(bias_ref[c])) << "channel " << c;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layers, ExactBackward,
    ::testing::Values(
        layer_spec(LayerKind::kConv, 9, 3, 8, 3, 2, false, 1),  // the stem
        layer_spec(LayerKind::kConv, 8, 4, 5, 3, 1, false, 2),
        layer_spec(LayerKind::kConv, 7, 2, 3, 5, 2, false, 3),
        layer_spec(LayerKind::kPointwise, 6, 16, 9, 1, 1, false, 4),
        layer_spec(LayerKind::kDepthwise, 8, 12, 12, 3, 1, false, 5),
        layer_spec(LayerKind::kDepthwise, 9, 12, 12, 3, 2, false, 6),
        layer_spec(LayerKind::kDepthwise, 8, 12, 12, 3, 2, false, 14),  // even: pad at the end
        layer_spec(LayerKind::kDepthwise, 9, 20, 20, 5, 1, false, 7),
        layer_spec(LayerKind::kDepthwise, 10, 20, 20, 5, 2, false, 8),
        layer_spec(LayerKind::kDepthwise, 9, 6, 6, 7, 1, false, 9),
        layer_spec(LayerKind::kDepthwise, 11, 6, 6, 7, 2, false, 10),
        layer_spec(LayerKind::kDepthwise, 6, 4, 8, 3, 1, false, 11),  // depth multiplier 2
        layer_spec(LayerKind::kFullyConnected, 1, 40, 10, 1, 1, false, 12),
        layer_spec(LayerKind::kFullyConnected, 3, 5, 7, 1, 1, false, 13)),
    [](const ::testing::TestParamInfo<LayerSpec>& param) {
      return training_test::describe(param.param);
    });

class SavedChannelBackward : public ::testing::TestWithParam<LayerSpec> {};

// The weight gradient of the chosen channels, from the channels the forward saved, equals the
// int64 reference's slice exactly; with every channel chosen it is the whole gradient.
TEST_P(SavedChannelBackward, ChosenSliceEqualsInt64Reference) {
  const Layer layer = make_layer(GetParam());
  const std::vector<int64_t> acc_grad =
      integer_gradients(layer.output_shape.elements(), GetParam().seed + 11);
  const std::vector<float> acc_grad_f = as_float(acc_grad);
  const std::vector<int64_t> whole = training_test::reference_weight_grad(layer, acc_grad);
  for (const std::vector<int32_t>& channels :
       {training_test::chosen_channels(layer, 1, 3), training_test::chosen_channels(layer, 0, 1)}) {
    const std::vector<int64_t> expected = training_test::chosen_slice(layer, whole, channels);
    const std::vector<float> grad =
        training_test::run_saved_weight_backward(layer, acc_grad_f.data(), channels);
    ASSERT_EQ(grad.size(), expected.size());
    for (size_t i = 0; i < grad.size(); ++i) {
      ASSERT_EQ(grad[i], static_cast<float>(expected[i]))
          << "element " << i << " of " << channels.size() << " chosen channels";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layers, SavedChannelBackward,
    ::testing::Values(layer_spec(LayerKind::kConv, 9, 8, 6, 3, 2, false, 41),
                      layer_spec(LayerKind::kConv, 7, 5, 4, 5, 1, true, 42),
                      layer_spec(LayerKind::kPointwise, 6, 16, 9, 1, 1, true, 43),
                      layer_spec(LayerKind::kDepthwise, 8, 12, 12, 3, 1, true, 44),
                      layer_spec(LayerKind::kDepthwise, 9, 12, 12, 5, 2, false, 45),
                      layer_spec(LayerKind::kDepthwise, 6, 4, 8, 3, 1, false, 46),  // multiplier 2
                      layer_spec(LayerKind::kFullyConnected, 1, 40, 10, 1, 1, false, 47),
                      layer_spec(LayerKind::kFullyConnected, 3, 5, 7, 1, 1, false, 48)),
    [](const ::testing::TestParamInfo<LayerSpec>& param) {
      return training_test::describe(param.param);
    });

TEST(SaveChannels, CopiesEachReadInputChannelOncePerPixel) {
  // 3 pixels of 4 channels; depthwise multiplier 2: weight channels 1, 2, 3, 6 read input
  // channels 0, 1, 1, 3.
  const std::vector<int8_t> input = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23};
  const std::vector<int32_t> channels = {1, 2, 3, 6};
  const ChannelSelection chosen{channels.data(), 4};
  ASSERT_EQ(saved_channel_count(chosen, 2), 3);
  std::vector<int8_t> saved(9, -1);
  save_channels_s8(3, 4, input.data(), chosen, 2, saved.data());
  EXPECT_EQ(saved, (std::vector<int8_t>{0, 1, 3, 10, 11, 13, 20, 21, 23}));
  const std::vector<int32_t> inputs = {0, 2};
  EXPECT_EQ(saved_channel_count(ChannelSelection{inputs.data(), 2}, 1), 2);
  std::vector<int8_t> conv_saved(6, -1);
  save_channels_s8(3, 4, input.data(), ChannelSelection{inputs.data(), 2}, 1, conv_saved.data());
  EXPECT_EQ(conv_saved, (std::vector<int8_t>{0, 2, 10, 12, 20, 22}));
}

TEST(ConvOutputBackward, PassesInsideTheClampScaledByTheRealMultiplier) {
  LayerSpec s = layer_spec(LayerKind::kConv, 8, 3, 6, 3, 1, false, 21);
  s.relu = true;
  const Layer layer = make_layer(s);
  const Shape& out = layer.output_shape;
  std::vector<float> output_grad(static_cast<size_t>(out.elements()));
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  for (float& g : output_grad) g = value(rng);

  std::vector<float> acc_grad(output_grad.size());
  conv_output_backward_s8(layer.params, layer.quant(), out, layer.output.data(), output_grad.data(),
                          acc_grad.data());
  int clamped = 0;
  int passed = 0;
  for (size_t i = 0; i < acc_grad.size(); ++i) {
    const size_t c = i % static_cast<size_t>(out.c);
    const int32_t y = layer.output[i];
    if (y <= layer.params.activation_min || y >= layer.params.activation_max) {
      EXPECT_EQ(acc_grad[i], 0.0f) << "clamped output " << i << " = " << y;
      ++clamped;
    } else {
      const double multiplier = layer.multipliers[c] * std::ldexp(1.0, layer.shifts[c] - 31);
      EXPECT_NEAR(acc_grad[i], output_grad[i] * multiplier, 1e-6 * multiplier) << "output " << i;
      ++passed;
    }
  }
  // The layer is built so that both sides occur (ReLU at the zero point, int8 saturation).
  EXPECT_GT(clamped, 0);
  EXPECT_GT(passed, 0);

  // In place: the accumulator gradient may overwrite the output gradient.
  std::vector<float> in_place = output_grad;
  conv_output_backward_s8(layer.params, layer.quant(), out, layer.output.data(), in_place.data(),
                          in_place.data());
  EXPECT_EQ(in_place, acc_grad);
}

TEST(ConvOutputBackward, ClampedOutputsGiveNoWeightOrBiasGradient) {
  LayerSpec s = layer_spec(LayerKind::kPointwise, 4, 5, 3, 1, 1, false, 22);
  Layer layer = make_layer(s);
  // Channel 1's bias drives every output of that channel to the top of int8.
  layer.bias[1] = 1 << 28;
  training_test::run_forward(layer);
  const Shape& out = layer.output_shape;
  std::vector<float> output_grad(static_cast<size_t>(out.elements()), 1.0f);
  std::vector<float> acc_grad(output_grad.size());
  conv_output_backward_s8(layer.params, layer.quant(), out, layer.output.data(), output_grad.data(),
                          acc_grad.data());
  std::vector<float> bias_grad(static_cast<size_t>(out.c));
  bias_backward(out, acc_grad.data(), bias_grad.data());
  EXPECT_EQ(bias_grad[1], 0.0f);
  EXPECT_NE(bias_grad[0], 0.0f);
  const std::vector<int32_t> channels = {1};
  std::vector<float> weight_grad(static_cast<size_t>(layer.taps()), 5.0f);
  training_test::run_weight_backward(layer, acc_grad.data(), channels, weight_grad.data());
  for (float g : weight_grad) EXPECT_EQ(g, 0.0f);
}

TEST(RealMultiplier, IsTheQ31ValueTimesAPowerOfTwo) {
  EXPECT_EQ(real_multiplier(1 << 30, 0), 0.5f);
  EXPECT_EQ(real_multiplier(1 << 30, -3), 0.0625f);
  EXPECT_EQ(real_multiplier(1 << 30, 5), 16.0f);
  EXPECT_EQ(real_multiplier(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(real_multiplier(1518500250, -7), static_cast<float>(std::sqrt(0.5) / 128.0));
}

TEST(GlobalAvgpoolBackward, SpreadsTheMeanGradientWhereNotClamped) {
  const Shape input = make_shape(3, 4, 5);
  const auto m = compiler::global_average_pool_multiplier(0.1, 0.05, input.h, input.w);
  GlobalPoolParams params{};
  params.output_multiplier = m.multiplier;
  params.output_shift = m.shift;
  params.activation_min = -128;
  params.activation_max = 127;
  const std::vector<int8_t> output = {10, 127, -128, 0, -5};  // channels 1 and 2 saturated
  const std::vector<float> output_grad = {1.0f, 2.0f, 3.0f, -4.0f, 0.5f};
  std::vector<float> input_grad(static_cast<size_t>(input.elements()), 9.0f);
  global_avgpool_s8_backward(params, input, output.data(), output_grad.data(),
                             GradientWrite::kOverwrite, input_grad.data());
  const double scale = 0.1 / (0.05 * input.h * input.w);  // s_in / (s_out * H * W)
  for (size_t i = 0; i < input_grad.size(); ++i) {
    const size_t c = i % 5;
    const double expected = (c == 1 || c == 2) ? 0.0 : output_grad[c] * scale;
    EXPECT_NEAR(input_grad[i], expected, 1e-6) << "element " << i;
  }
}

TEST(AddBackward, ScalesEachInputByItsScaleOverTheOutputs) {
  const AddParams params = training_test::add_params_for_scales(0.02, 0.05, 0.04, -128, 100);
  const std::vector<int8_t> output = {0, 100, -128, 50};  // 1 and 2 clamped
  const std::vector<float> output_grad = {1.0f, 1.0f, 1.0f, -2.0f};
  std::vector<float> grad0(4), grad1(4);
  add_s8_backward(params, output.data(), output_grad.data(), 4, GradientWrite::kOverwrite,
                  grad0.data(), grad1.data());
  const double ratio0 = 0.02 / 0.04, ratio1 = 0.05 / 0.04;
  const std::vector<double> mask = {1, 0, 0, 1};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(grad0[i], mask[i] * output_grad[i] * ratio0, 1e-6) << i;
    EXPECT_NEAR(grad1[i], mask[i] * output_grad[i] * ratio1, 1e-6) << i;
  }
  // In place on input 0, accumulating into input 1 (the skip branch's gradient).
  std::vector<float> in_place = output_grad;
  std::vector<float> skip(4, 1.0f);
  add_s8_backward(params, output.data(), in_place.data(), 4, GradientWrite::kAccumulate,
                  in_place.data(), skip.data());
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(skip[i], 1.0f + grad1[i]) << i;
  }
}

// The loss gradient against softmax in double (std::exp), from mild to extreme logit scales (at
// scale 1 most exps underflow to 0, as they do in double).
TEST(SoftmaxCrossEntropyBackward, IsScaledSoftmaxMinusOneHot) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (float scale : {0.01f, 0.1f, 0.25f, 1.0f}) {
    std::vector<int8_t> logits;
    for (int i = 0; i < 10; ++i) logits.push_back(static_cast<int8_t>(byte(rng)));
    const int32_t label = 3;
    std::vector<double> probabilities;
    double sum = 0.0;
    const int largest = *std::max_element(logits.begin(), logits.end());
    for (int8_t q : logits) {
      probabilities.push_back(std::exp(static_cast<double>(scale) * (q - largest)));
      sum += probabilities.back();
    }
    std::vector<float> grad(logits.size());
    const float label_probability =
        softmax_cross_entropy_backward_s8(logits.data(), 10, scale, label, grad.data());
    EXPECT_NEAR(label_probability, probabilities[label] / sum, 1e-6) << "scale " << scale;
    double grad_sum = 0.0;
    for (size_t i = 0; i < logits.size(); ++i) {
      const double p = probabilities[i] / sum;
      const double expected = scale * (static_cast<int32_t>(i) == label ? p - 1.0 : p);
      EXPECT_NEAR(grad[i], expected, 1e-6 * scale) << "scale " << scale << " logit " << i;
      grad_sum += grad[i];
    }
    EXPECT_NEAR(grad_sum, 0.0, 1e-6) << "softmax sums to one";
  }
}

// Every int8 logit once: the exp of each of the 256 differences to the largest, relative to
// std::exp.
TEST(SoftmaxCrossEntropyBackward, ExpIsAccurateOverTheWholeInt8Range) {
  std::vector<int8_t> logits;
  for (int q = -128; q <= 127; ++q) logits.push_back(static_cast<int8_t>(q));
  const float scale = 0.1f;  // differences down to -25.5
  std::vector<float> grad(logits.size());
  softmax_cross_entropy_backward_s8(logits.data(), 256, scale, 0, grad.data());
  double sum = 0.0;
  for (int q = -128; q <= 127; ++q) sum += std::exp(static_cast<double>(scale) * (q - 127));
  for (size_t i = 1; i < logits.size(); ++i) {  // 0 is the label
    const double p = std::exp(static_cast<double>(scale) * (static_cast<int>(i) - 255)) / sum;
    EXPECT_NEAR(grad[i] / scale, p, 2e-6 * p) << "logit " << static_cast<int>(logits[i]);
  }
}

// ---- SGD + QAS ----

// The step of channel c is lr * G * s_W(c)^-2 (the paper's G~_W), weights of unselected channels
// and their master copies stay as they were.
TEST(SgdQasUpdate, WeightStepIsTheScaledGradientOnSelectedChannelsOnly) {
  for (LayerKind kind : {LayerKind::kConv, LayerKind::kDepthwise, LayerKind::kFullyConnected}) {
    Layer layer =
        make_layer(layer_spec(kind, 5, kind == LayerKind::kDepthwise ? 6 : 3, 6, 3, 1, false, 31));
    const WeightChannelLayout weight_layout = kind == LayerKind::kDepthwise
                                                  ? depthwise_weight_layout(layer.filter_shape)
                                                  : conv_weight_layout(layer.filter_shape);
    const std::vector<int32_t> channels = {4, 1};
    const ChannelSelection selection{channels.data(), 2};
    const int32_t taps = layer.taps();
    ASSERT_EQ(weight_layout.taps, taps);
    std::vector<float> master(2 * static_cast<size_t>(taps));
    load_master_weights_s8(weight_layout, selection, layer.filter.data(), master.data());
    std::vector<float> grad(master.size());
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> value(-50.0f, 50.0f);
    for (float& g : grad) g = value(rng);
    const std::vector<int8_t> before = layer.filter;
    const std::vector<float> master_before = master;
    const float lr = 1e-5f;
    sgd_qas_update_weights_s8(lr, weight_layout, selection, layer.weight_scales.data(), grad.data(),
                              master.data(), layer.filter.data());
    std::vector<bool> selected_element(before.size(), false);
    for (size_t j = 0; j < 2; ++j) {
      const int32_t c = channels[j];
      const double s = layer.weight_scales[static_cast<size_t>(c)];
      for (int32_t t = 0; t < taps; ++t) {
        const size_t m = j * static_cast<size_t>(taps) + static_cast<size_t>(t);
        const double step = static_cast<double>(lr) * grad[m] / (s * s);
        EXPECT_NEAR(master_before[m] - master[m], step, 1e-5 * std::abs(step) + 1e-5)
            << "channel " << c << " tap " << t;
        const size_t w =
            static_cast<size_t>(c * weight_layout.channel_stride + t * weight_layout.tap_stride);
        EXPECT_EQ(master_before[m], before[w]) << "master loaded from the int8 weight";
        const double expected =
            std::clamp(std::round(static_cast<double>(master[m])), -127.0, 127.0);
        EXPECT_EQ(layer.filter[w], expected) << "channel " << c << " tap " << t;
        selected_element[w] = true;
      }
    }
    for (size_t w = 0; w < before.size(); ++w) {
      if (!selected_element[w]) {
        ASSERT_EQ(layer.filter[w], before[w]) << "unselected " << w;
      }
    }
  }
}

// The input-channel update steps weight (o, tap, c) with output channel o's scale and leaves
// the other input channels alone; with every input channel chosen it is the whole-channel update
// bit for bit.
TEST(SgdQasUpdate, InputChannelStepUsesTheOutputChannelsScaleOnChosenChannelsOnly) {
  for (LayerKind kind : {LayerKind::kConv, LayerKind::kFullyConnected}) {
    Layer layer = make_layer(layer_spec(kind, 5, 6, 4, 3, 1, false, 33));
    const Shape& filter = layer.filter_shape;
    const std::vector<int32_t> channels = training_test::chosen_channels(layer, 1, 2);
    const ChannelSelection chosen{channels.data(), static_cast<int32_t>(channels.size())};
    const int32_t cells = filter.n * filter.h * filter.w;  // (o, ky, kx)
    const size_t count = channels.size();
    std::vector<float> master(static_cast<size_t>(cells) * count);
    load_master_weights_s8_input_channels(filter, chosen, layer.filter.data(), master.data());
    std::vector<float> grad(master.size());
    std::mt19937 rng(4);
    std::uniform_real_distribution<float> value(-50.0f, 50.0f);
    for (float& g : grad) g = value(rng);
    const std::vector<int8_t> before = layer.filter;
    const std::vector<float> master_before = master;
    const float lr = 1e-5f;
    sgd_qas_update_weights_s8_input_channels(lr, filter, chosen, layer.weight_scales.data(),
                                             grad.data(), master.data(), layer.filter.data());
    std::vector<bool> touched(before.size(), false);
    for (int32_t cell = 0; cell < cells; ++cell) {
      const double s = layer.weight_scales[static_cast<size_t>(cell / (filter.h * filter.w))];
      for (size_t j = 0; j < count; ++j) {
        const size_t m = static_cast<size_t>(cell) * count + j;
        const size_t w = static_cast<size_t>(cell * filter.c + channels[j]);
        EXPECT_EQ(master_before[m], before[w]) << "master loaded from the int8 weight";
        const double step = static_cast<double>(lr) * grad[m] / (s * s);
        EXPECT_NEAR(master_before[m] - master[m], step, 1e-5 * std::abs(step) + 1e-5);
        EXPECT_EQ(layer.filter[w],
                  std::clamp(std::round(static_cast<double>(master[m])), -127.0, 127.0));
        touched[w] = true;
      }
    }
    for (size_t w = 0; w < before.size(); ++w) {
      if (!touched[w]) {
        ASSERT_EQ(layer.filter[w], before[w]) << "unchosen " << w;
      }
    }

    // Every input channel: the whole-channel update of every output channel, bit for bit.
    const std::vector<int32_t> every_input = all_channels(filter.c);
    const std::vector<int32_t> every_output = all_channels(filter.n);
    std::vector<float> master_a(static_cast<size_t>(filter.elements()));
    std::vector<float> master_b(master_a.size());
    std::vector<int8_t> weights_a = before, weights_b = before;
    std::vector<float> g(master_a.size());
    for (float& x : g) x = value(rng);
    load_master_weights_s8_input_channels(filter, ChannelSelection{every_input.data(), filter.c},
                                          before.data(), master_a.data());
    const WeightChannelLayout layout = conv_weight_layout(filter);
    load_master_weights_s8(layout, ChannelSelection{every_output.data(), filter.n}, before.data(),
                           master_b.data());
    ASSERT_EQ(master_a, master_b);
    sgd_qas_update_weights_s8_input_channels(
        1e-4f, filter, ChannelSelection{every_input.data(), filter.c}, layer.weight_scales.data(),
        g.data(), master_a.data(), weights_a.data());
    sgd_qas_update_weights_s8(1e-4f, layout, ChannelSelection{every_output.data(), filter.n},
                              layer.weight_scales.data(), g.data(), master_b.data(),
                              weights_b.data());
    EXPECT_EQ(master_a, master_b);
    EXPECT_EQ(weights_a, weights_b);
  }
}

TEST(SgdQasUpdate, BiasStepIsTheGradientOverTheSquaredBiasScale) {
  const std::vector<float> weight_scales = {0.01f, 0.002f};
  const float input_scale = 0.05f;
  std::vector<int32_t> bias = {1000, -20};
  std::vector<float> master(2);
  load_master_bias_s32(2, bias.data(), master.data());
  const std::vector<float> grad = {2e-4f, -1e-4f};
  const float lr = 0.01f;
  sgd_qas_update_bias_s32(lr, 2, input_scale, weight_scales.data(), grad.data(), master.data(),
                          bias.data());
  for (size_t c = 0; c < 2; ++c) {
    const double s = static_cast<double>(input_scale) * weight_scales[c];
    const double expected = (c == 0 ? 1000.0 : -20.0) - lr * grad[c] / (s * s);
    EXPECT_NEAR(master[c], expected, 1e-5 * std::abs(expected)) << c;
    EXPECT_EQ(bias[c], static_cast<int32_t>(std::round(expected))) << c;
  }
}

TEST(SgdQasUpdate, RoundsHalvesAwayFromZeroAndSaturates) {
  const std::vector<int32_t> channels = {0};
  const ChannelSelection selection{channels.data(), 1};
  const WeightChannelLayout layout{6, 1, 6};
  const std::vector<float> scales = {1.0f};
  std::vector<float> master = {2.5f, -2.5f, 126.6f, 400.0f, -128.0f, 0.49f};
  std::vector<int8_t> weights(6, 0);
  const std::vector<float> zero(6, 0.0f);
  sgd_qas_update_weights_s8(1.0f, layout, selection, scales.data(), zero.data(), master.data(),
                            weights.data());
  EXPECT_EQ(weights, (std::vector<int8_t>{3, -3, 127, 127, -127, 0}));
  EXPECT_EQ(master[3], 400.0f) << "the master keeps its value beyond the int8 range";

  std::vector<float> bias_master = {3e9f, -3e9f, -0.5f};
  std::vector<int32_t> bias(3, 0);
  const std::vector<float> bias_scales(3, 1.0f);
  sgd_qas_update_bias_s32(0.0f, 3, 1.0f, bias_scales.data(), zero.data(), bias_master.data(),
                          bias.data());
  EXPECT_EQ(bias, (std::vector<int32_t>{INT32_MAX, INT32_MIN, -1}));
}

// A tiny int8 fully connected layer learns a target with SGD + QAS through the int8 forward:
// the squared error of its dequantized output falls.
TEST(SgdQasUpdate, FewStepsOnATinyInt8LayerReduceTheLoss) {
  LayerSpec s = layer_spec(LayerKind::kFullyConnected, 1, 16, 4, 1, 1, false, 41);
  Layer layer = make_layer(s);
  const int32_t out_c = layer.output_shape.c;
  // Four times the output range: no output starts on a clamp bound, where it could not move.
  layer.output_scale *= 4.0f;
  layer.multipliers.clear();
  layer.shifts.clear();
  for (const auto& m : compiler::per_channel_multipliers(layer.input_scale, layer.weight_scales,
                                                         layer.output_scale, out_c)) {
    layer.multipliers.push_back(m.multiplier);
    layer.shifts.push_back(m.shift);
  }
  training_test::run_forward(layer);
  // The target: minus half of the initial output, several quanta away from it.
  std::vector<double> target;
  for (int32_t c = 0; c < out_c; ++c) {
    target.push_back(-0.5 * layer.output_scale *
                     (layer.output[static_cast<size_t>(c)] - layer.output_zero_point));
  }
  const std::vector<int32_t> channels = all_channels(out_c);
  const ChannelSelection selection{channels.data(), out_c};
  const WeightChannelLayout weight_layout = conv_weight_layout(layer.filter_shape);
  std::vector<float> weight_master(layer.filter.size());
  std::vector<float> bias_master(static_cast<size_t>(out_c));
  load_master_weights_s8(weight_layout, selection, layer.filter.data(), weight_master.data());
  load_master_bias_s32(out_c, layer.bias.data(), bias_master.data());

  auto loss_and_output_grad = [&](std::vector<float>* output_grad) {
    double loss = 0.0;
    for (int32_t c = 0; c < out_c; ++c) {
      const double y =
          layer.output_scale * (layer.output[static_cast<size_t>(c)] - layer.output_zero_point);
      const double diff = y - target[static_cast<size_t>(c)];
      loss += diff * diff;
      // dL/dy_q = dL/dy * s_y.
      (*output_grad)[static_cast<size_t>(c)] = static_cast<float>(2.0 * diff * layer.output_scale);
    }
    return loss;
  };

  std::vector<float> output_grad(static_cast<size_t>(out_c)), acc_grad(output_grad.size());
  std::vector<float> weight_grad(layer.filter.size()), bias_grad(output_grad.size());
  const double initial_loss = loss_and_output_grad(&output_grad);
  double loss = initial_loss;
  // A stable step for least squares in the real domain (normalised LMS): half the inverse of
  // the squared input norm, plus 1 for the bias.
  double input_norm = 1.0;
  for (int8_t x : layer.input) {
    const double real = layer.input_scale * (x + layer.params.input_offset);
    input_norm += real * real;
  }
  const float lr = static_cast<float>(0.25 / input_norm);
  for (int step = 0; step < 20; ++step) {
    conv_output_backward_s8(layer.params, layer.quant(), layer.output_shape, layer.output.data(),
                            output_grad.data(), acc_grad.data());
    bias_backward(layer.output_shape, acc_grad.data(), bias_grad.data());
    fully_connected_s8_backward_weight(layer.params, layer.input.data(), layer.filter_shape,
                                       acc_grad.data(), selection, weight_grad.data());
    sgd_qas_update_weights_s8(lr, weight_layout, selection, layer.weight_scales.data(),
                              weight_grad.data(), weight_master.data(), layer.filter.data());
    sgd_qas_update_bias_s32(lr, out_c, layer.input_scale, layer.weight_scales.data(),
                            bias_grad.data(), bias_master.data(), layer.bias.data());
    training_test::run_forward(layer);
    loss = loss_and_output_grad(&output_grad);
  }
  EXPECT_LT(loss, 0.1 * initial_loss) << "initial " << initial_loss << " final " << loss;
}

}  // namespace
}  // namespace tinynas::runtime
