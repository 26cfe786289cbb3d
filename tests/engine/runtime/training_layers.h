// Single int8 layers for the training-kernel tests: random weights, inputs and quantization, the
// forward run by the runtime kernels (its int8 output decides where the gradient is clamped), and
// a plain reference for the backward written with explicit bounds checks, sharing no code with
// engine/runtime. The reference is a template: int64_t gives exact integer math, double the
// reference for float gradients.
#pragma once

#include <stdint.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "engine/compiler/quantization.h"
#include "engine/runtime/kernel_params.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime::training_test {

enum class LayerKind { kConv, kPointwise, kDepthwise, kFullyConnected };

struct LayerSpec {
  LayerKind kind = LayerKind::kConv;
  int32_t height = 1, width = 1, input_channels = 1, output_channels = 1;
  int32_t kernel = 1, stride = 1;
  bool relu = false;  // clamp at the output zero point as well as at int8 saturation
  uint32_t seed = 1;
};

// A layer of `kind` on a size x (size + 1) input (H != W catches swapped axes).
inline LayerSpec layer_spec(LayerKind kind, int32_t size, int32_t in_c, int32_t out_c,
                            int32_t kernel, int32_t stride, bool relu, uint32_t seed) {
  LayerSpec spec;
  spec.kind = kind;
  spec.height = size;
  spec.width = size + 1;
  spec.input_channels = in_c;
  spec.output_channels = out_c;
  spec.kernel = kernel;
  spec.stride = stride;
  spec.relu = relu;
  spec.seed = seed;
  return spec;
}

// A test name: kind, input, channels, kernel, stride, clamp.
inline std::string describe(const LayerSpec& spec) {
  const char* kinds[] = {"conv", "pointwise", "depthwise", "fully_connected"};
  return std::string(kinds[static_cast<int>(spec.kind)]) + "_" + std::to_string(spec.height) + "x" +
         std::to_string(spec.width) + "x" + std::to_string(spec.input_channels) + "_to_" +
         std::to_string(spec.output_channels) + "_k" + std::to_string(spec.kernel) + "_s" +
         std::to_string(spec.stride) + (spec.relu ? "_relu" : "");
}

// The parameters of an add with the given scales (TFLite ADD quantization), clamped to
// [activation_min, activation_max], zero points 0.
inline AddParams add_params_for_scales(double scale0, double scale1, double output_scale,
                                       int32_t activation_min, int32_t activation_max) {
  const auto q = compiler::add_quantization(scale0, scale1, output_scale);
  AddParams params{};
  params.left_shift = q.left_shift;
  params.input0_multiplier = q.input0.multiplier;
  params.input0_shift = q.input0.shift;
  params.input1_multiplier = q.input1.multiplier;
  params.input1_shift = q.input1.shift;
  params.output_multiplier = q.output.multiplier;
  params.output_shift = q.output.shift;
  params.activation_min = activation_min;
  params.activation_max = activation_max;
  return params;
}

// gtest prints a parameter with it (instead of its bytes).
inline void PrintTo(const LayerSpec& spec, std::ostream* os) { *os << describe(spec); }

struct Layer {
  LayerSpec spec;
  Shape input_shape, filter_shape, output_shape;
  ConvParams params{};
  float input_scale = 0.0f, output_scale = 0.0f;
  std::vector<float> weight_scales;
  std::vector<int8_t> input, filter, output;
  std::vector<int32_t> bias, multipliers, shifts;
  int32_t output_zero_point = 0;

  PerChannelQuantization quant() const { return {multipliers.data(), shifts.data()}; }
  int32_t taps() const { return filter_shape.elements() / output_shape.c; }
  // The window geometry of the reference: a fully connected layer is a valid convolution whose
  // window is the whole input.
  int32_t window_h() const {
    return spec.kind == LayerKind::kFullyConnected ? input_shape.h : filter_shape.h;
  }
  int32_t window_w() const {
    return spec.kind == LayerKind::kFullyConnected ? input_shape.w : filter_shape.w;
  }
  // Index into `filter` of output channel oc, tap (ky, kx) and input channel ic (ic within the
  // channel's own input for depthwise, i.e. 0).
  int32_t filter_index(int32_t oc, int32_t ky, int32_t kx, int32_t ic) const {
    if (spec.kind == LayerKind::kDepthwise) return (ky * filter_shape.w + kx) * output_shape.c + oc;
    return ((oc * window_h() + ky) * window_w() + kx) * input_shape.c + ic;
  }
  // Index into a weight-gradient row (the filter's own tap order) of the same tap.
  int32_t tap_index(int32_t ky, int32_t kx, int32_t ic) const {
    if (spec.kind == LayerKind::kDepthwise) return ky * filter_shape.w + kx;
    return (ky * window_w() + kx) * input_shape.c + ic;
  }
};

inline void run_forward(Layer& layer) {
  const auto q = layer.quant();
  layer.output.assign(static_cast<size_t>(layer.output_shape.elements()), 0);
  const int32_t* bias = layer.bias.data();
  switch (layer.spec.kind) {
    case LayerKind::kConv:
      conv2d_s8(layer.params, q, layer.input_shape, layer.input.data(), layer.filter_shape,
                layer.filter.data(), bias, layer.output_shape, layer.output.data());
      break;
    case LayerKind::kPointwise:
      conv2d_1x1_s8(layer.params, q, layer.input_shape, layer.input.data(), layer.filter_shape,
                    layer.filter.data(), bias, layer.output_shape, layer.output.data());
      break;
    case LayerKind::kDepthwise:
      depthwise_conv2d_s8(layer.params, q, layer.input_shape, layer.input.data(),
                          layer.filter_shape, layer.filter.data(), bias, layer.output_shape,
                          layer.output.data());
      break;
    case LayerKind::kFullyConnected:
      fully_connected_s8(layer.params, q, layer.input_shape, layer.input.data(), layer.filter_shape,
                         layer.filter.data(), bias, layer.output_shape, layer.output.data());
      break;
  }
}

// Calls visit(output index, oc, input index, filter tap index within the gradient row, filter
// index) for every (output, tap) pair whose input cell lies inside the input.
template <typename Visit>
void for_each_connection(const Layer& layer, Visit visit) {
  const Shape& in = layer.input_shape;
  const Shape& out = layer.output_shape;
  const int32_t multiplier = out.c / in.c;
  const bool depthwise = layer.spec.kind == LayerKind::kDepthwise;
  for (int32_t oy = 0; oy < out.h; ++oy) {
    for (int32_t ox = 0; ox < out.w; ++ox) {
      for (int32_t oc = 0; oc < out.c; ++oc) {
        for (int32_t ky = 0; ky < layer.window_h(); ++ky) {
          for (int32_t kx = 0; kx < layer.window_w(); ++kx) {
            const int32_t iy = oy * layer.params.stride_h - layer.params.pad_top + ky;
            const int32_t ix = ox * layer.params.stride_w - layer.params.pad_left + kx;
            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
            const int32_t channels = depthwise ? 1 : in.c;
            for (int32_t icl = 0; icl < channels; ++icl) {
              const int32_t ic = depthwise ? oc / multiplier : icl;
              visit((oy * out.w + ox) * out.c + oc, oc, (iy * in.w + ix) * in.c + ic,
                    layer.tap_index(ky, kx, icl), layer.filter_index(oc, ky, kx, icl));
            }
          }
        }
      }
    }
  }
}

// The int32 accumulator of every output (bias included), for choosing the output quantization.
inline std::vector<int64_t> reference_accumulators(const Layer& layer) {
  std::vector<int64_t> acc(static_cast<size_t>(layer.output_shape.elements()));
  for (size_t o = 0; o < acc.size(); ++o) {
    acc[o] = layer.bias[o % static_cast<size_t>(layer.output_shape.c)];
  }
  for_each_connection(layer, [&](int32_t o, int32_t, int32_t i, int32_t, int32_t f) {
    acc[static_cast<size_t>(o)] +=
        int64_t{layer.input[static_cast<size_t>(i)] + layer.params.input_offset} *
        layer.filter[static_cast<size_t>(f)];
  });
  return acc;
}

// A layer with random int8 data: weight scales in [0.004, 0.02], the input's scale 0.05, and an
// output scale that puts the largest few accumulators beyond int8 (so saturation is exercised).
inline Layer make_layer(const LayerSpec& spec) {
  std::mt19937 rng(spec.seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_int_distribution<int> weight(-127, 127);
  std::uniform_int_distribution<int> zero_point(-20, 20);
  std::uniform_real_distribution<float> weight_scale(0.004f, 0.02f);
  Layer layer;
  layer.spec = spec;
  const int32_t h = spec.height, w = spec.width;
  layer.input_shape = make_shape(h, w, spec.input_channels);
  const int32_t oc = spec.output_channels;
  if (spec.kind == LayerKind::kFullyConnected) {
    layer.filter_shape = make_shape(1, 1, h * w * spec.input_channels);
    layer.filter_shape.n = oc;
    layer.output_shape = make_shape(1, 1, oc);
  } else {
    const int32_t k = spec.kernel, s = spec.stride;
    layer.filter_shape = spec.kind == LayerKind::kDepthwise ? make_shape(k, k, oc)
                                                            : make_shape(k, k, spec.input_channels);
    if (spec.kind != LayerKind::kDepthwise) layer.filter_shape.n = oc;
    // SAME padding as the forward graphs use: output ceil(in / stride), the odd pixel at the end.
    const int32_t out_h = (h + s - 1) / s, out_w = (w + s - 1) / s;
    layer.output_shape = make_shape(out_h, out_w, oc);
    layer.params.pad_top = std::max((out_h - 1) * s + k - h, 0) / 2;
    layer.params.pad_left = std::max((out_w - 1) * s + k - w, 0) / 2;
    layer.params.stride_h = s;
    layer.params.stride_w = s;
  }
  if (spec.kind == LayerKind::kFullyConnected) {
    layer.params.stride_h = layer.params.stride_w = 1;
  }
  layer.input_scale = 0.05f;
  const int32_t input_zero_point = zero_point(rng);
  layer.params.input_offset = -input_zero_point;
  for (int32_t i = 0; i < layer.input_shape.elements(); ++i) {
    layer.input.push_back(static_cast<int8_t>(byte(rng)));
  }
  for (int32_t i = 0; i < layer.filter_shape.elements(); ++i) {
    layer.filter.push_back(static_cast<int8_t>(weight(rng)));
  }
  std::uniform_int_distribution<int> bias(-2000, 2000);
  for (int32_t c = 0; c < oc; ++c) {
    layer.weight_scales.push_back(weight_scale(rng));
    layer.bias.push_back(bias(rng));
  }

  // Real accumulator values s_x * s_W(c) * acc set the output scale: 90% of the largest
  // magnitude maps to int8's edge, so some outputs saturate.
  const std::vector<int64_t> acc = reference_accumulators(layer);
  double largest = 0.0;
  for (size_t i = 0; i < acc.size(); ++i) {
    const double real = static_cast<double>(layer.input_scale) *
                        layer.weight_scales[i % static_cast<size_t>(oc)] *
                        static_cast<double>(acc[i]);
    largest = std::max(largest, std::abs(real));
  }
  layer.output_scale = static_cast<float>(0.9 * largest / 127.0);
  layer.output_zero_point = zero_point(rng);
  layer.params.output_offset = layer.output_zero_point;
  layer.params.activation_min = spec.relu ? layer.output_zero_point : -128;
  layer.params.activation_max = 127;
  for (const auto& m : compiler::per_channel_multipliers(layer.input_scale, layer.weight_scales,
                                                         layer.output_scale, oc)) {
    layer.multipliers.push_back(m.multiplier);
    layer.shifts.push_back(m.shift);
  }
  run_forward(layer);
  return layer;
}

// Every output channel, in order.
inline std::vector<int32_t> all_channels(int32_t count) {
  std::vector<int32_t> channels;
  for (int32_t c = 0; c < count; ++c) channels.push_back(c);
  return channels;
}

// ---- The backward kernels of a layer, dispatched on its kind ----

inline void run_weight_backward(const Layer& layer, const float* accumulator_grad,
                                const std::vector<int32_t>& channels, float* weight_grad) {
  const ChannelSelection selection{channels.data(), static_cast<int32_t>(channels.size())};
  switch (layer.spec.kind) {
    case LayerKind::kConv:
      conv2d_s8_backward_weight(layer.params, layer.input_shape, layer.input.data(),
                                layer.filter_shape, layer.output_shape, accumulator_grad, selection,
                                weight_grad);
      break;
    case LayerKind::kPointwise:
      conv2d_1x1_s8_backward_weight(layer.params, layer.input_shape, layer.input.data(),
                                    layer.output_shape, accumulator_grad, selection, weight_grad);
      break;
    case LayerKind::kDepthwise:
      depthwise_conv2d_s8_backward_weight(layer.params, layer.input_shape, layer.input.data(),
                                          layer.filter_shape, layer.output_shape, accumulator_grad,
                                          selection, weight_grad);
      break;
    case LayerKind::kFullyConnected:
      fully_connected_s8_backward_weight(layer.params, layer.input.data(), layer.filter_shape,
                                         accumulator_grad, selection, weight_grad);
      break;
  }
}

inline void run_input_backward(const Layer& layer, const float* accumulator_grad,
                               GradientWrite write, float* input_grad) {
  switch (layer.spec.kind) {
    case LayerKind::kConv:
      conv2d_s8_backward_input(layer.params, layer.input_shape, layer.filter_shape,
                               layer.filter.data(), layer.output_shape, accumulator_grad, write,
                               input_grad);
      break;
    case LayerKind::kPointwise:
      conv2d_1x1_s8_backward_input(layer.input_shape, layer.filter.data(), layer.output_shape,
                                   accumulator_grad, write, input_grad);
      break;
    case LayerKind::kDepthwise:
      depthwise_conv2d_s8_backward_input(layer.params, layer.input_shape, layer.filter_shape,
                                         layer.filter.data(), layer.output_shape, accumulator_grad,
                                         write, input_grad);
      break;
    case LayerKind::kFullyConnected:
      fully_connected_s8_backward_input(layer.filter_shape, layer.filter.data(), accumulator_grad,
                                        write, input_grad);
      break;
  }
}

// ---- The sparse update over chosen channels (weight ratio below 1) ----

// Every `step`-th channel of the weights' last dimension from `first` (ascending): the scheme's
// chosen channels (input channels; a depthwise conv's output channels).
inline std::vector<int32_t> chosen_channels(const Layer& layer, int32_t first, int32_t step) {
  std::vector<int32_t> channels;
  for (int32_t c = first; c < layer.filter_shape.c; c += step) channels.push_back(c);
  return channels;
}

// The forward's save of the chosen channels and the weight gradient of the slice from it.
inline std::vector<float> run_saved_weight_backward(const Layer& layer,
                                                    const float* accumulator_grad,
                                                    const std::vector<int32_t>& channels) {
  const ChannelSelection chosen{channels.data(), static_cast<int32_t>(channels.size())};
  const bool depthwise = layer.spec.kind == LayerKind::kDepthwise;
  const int32_t multiplier = depthwise ? layer.output_shape.c / layer.input_shape.c : 1;
  const int32_t input_channels = layer.filter_shape.c / multiplier;
  const int32_t pixels = layer.input_shape.elements() / input_channels;
  const int32_t saved_channels = saved_channel_count(chosen, multiplier);
  std::vector<int8_t> saved(static_cast<size_t>(pixels * saved_channels));
  save_channels_s8(pixels, input_channels, layer.input.data(), chosen, multiplier, saved.data());
  const int32_t per_channel = layer.filter_shape.elements() / layer.filter_shape.c;
  std::vector<float> grad(static_cast<size_t>(per_channel) * channels.size(), -1.0f);
  switch (layer.spec.kind) {
    case LayerKind::kConv:
      conv2d_s8_backward_weight_saved_channels(layer.params, layer.input_shape, saved.data(),
                                               saved_channels, layer.filter_shape,
                                               layer.output_shape, accumulator_grad, grad.data());
      break;
    case LayerKind::kPointwise:
      conv2d_1x1_s8_backward_weight_saved_channels(layer.params, layer.input_shape, saved.data(),
                                                   saved_channels, layer.output_shape,
                                                   accumulator_grad, grad.data());
      break;
    case LayerKind::kDepthwise:
      depthwise_conv2d_s8_backward_weight_saved_channels(
          layer.params, layer.input_shape, saved.data(), layer.filter_shape, layer.output_shape,
          accumulator_grad, chosen, grad.data());
      break;
    case LayerKind::kFullyConnected:
      fully_connected_s8_backward_weight_saved_channels(layer.params, saved.data(), saved_channels,
                                                        layer.filter_shape, accumulator_grad,
                                                        grad.data());
      break;
  }
  return grad;
}

// The chosen channels' slice of a whole weight gradient ([O][taps], the filter's tap order), in
// the layout of run_saved_weight_backward: [O][KH][KW][chosen] (fully connected [O][chosen]), a
// depthwise conv's rows of the chosen channels.
template <typename T>
std::vector<T> chosen_slice(const Layer& layer, const std::vector<T>& whole,
                            const std::vector<int32_t>& channels) {
  const int32_t taps = layer.taps();
  std::vector<T> slice;
  if (layer.spec.kind == LayerKind::kDepthwise) {
    for (int32_t c : channels) {
      for (int32_t t = 0; t < taps; ++t) slice.push_back(whole[static_cast<size_t>(c * taps + t)]);
    }
    return slice;
  }
  const int32_t input_c = layer.filter_shape.c;
  for (int32_t oc = 0; oc < layer.output_shape.c; ++oc) {
    for (int32_t cell = 0; cell < taps / input_c; ++cell) {
      for (int32_t c : channels) {
        slice.push_back(whole[static_cast<size_t>(oc * taps + cell * input_c + c)]);
      }
    }
  }
  return slice;
}

// ---- Plain reference backward (T = int64_t: exact; T = double) ----

// dL/dW_q of every output channel: channels x taps.
template <typename T>
std::vector<T> reference_weight_grad(const Layer& layer, const std::vector<T>& accumulator_grad) {
  std::vector<T> grad(static_cast<size_t>(layer.filter_shape.elements()), T{0});
  const int32_t taps = layer.taps();
  for_each_connection(layer, [&](int32_t o, int32_t oc, int32_t i, int32_t tap, int32_t) {
    const T x = static_cast<T>(layer.input[static_cast<size_t>(i)] + layer.params.input_offset);
    grad[static_cast<size_t>(oc * taps + tap)] += accumulator_grad[static_cast<size_t>(o)] * x;
  });
  return grad;
}

template <typename T>
std::vector<T> reference_input_grad(const Layer& layer, const std::vector<T>& accumulator_grad) {
  std::vector<T> grad(static_cast<size_t>(layer.input_shape.elements()), T{0});
  for_each_connection(layer, [&](int32_t o, int32_t, int32_t i, int32_t, int32_t f) {
    grad[static_cast<size_t>(i)] += accumulator_grad[static_cast<size_t>(o)] *
                                    static_cast<T>(layer.filter[static_cast<size_t>(f)]);
  });
  return grad;
}

template <typename T>
std::vector<T> reference_bias_grad(const Layer& layer, const std::vector<T>& accumulator_grad) {
  std::vector<T> grad(static_cast<size_t>(layer.output_shape.c), T{0});
  for (size_t o = 0; o < accumulator_grad.size(); ++o) {
    grad[o % grad.size()] += accumulator_grad[o];
  }
  return grad;
}

}  // namespace tinynas::runtime::training_test
