// Throughput of the int8 kernels at MobileNet/MCUNet-like shapes on the host. The "MACs" counter
// is multiply-accumulates per second (elements per second for add and pooling).
#include <benchmark/benchmark.h>
#include <stdint.h>

#include <random>
#include <vector>

#include "engine/runtime/kernels.h"

namespace tinynas::runtime {
namespace {

constexpr int32_t kMultiplier = 1518500250;  // ~0.707 in Q31: a typical requantization scale
constexpr int32_t kShift = -8;
constexpr uint32_t kSeed = 7;

std::vector<int8_t> random_int8(size_t count) {
  std::mt19937 engine(kSeed);
  std::uniform_int_distribution<int32_t> value(-128, 127);
  std::vector<int8_t> v(count);
  for (auto& x : v) x = static_cast<int8_t>(value(engine));
  return v;
}

// Weights, bias and per-channel quantization of one layer with `channels` outputs.
struct Layer {
  std::vector<int8_t> filter;
  std::vector<int32_t> bias, multiplier, shift;
  Layer(size_t filter_elements, int32_t channels)
      : filter(random_int8(filter_elements)),
        bias(channels, 1000),
        multiplier(channels, kMultiplier),
        shift(channels, kShift) {}
  PerChannelQuantization quant() const { return {multiplier.data(), shift.data()}; }
};

ConvParams conv_params(int32_t stride, int32_t pad) {
  ConvParams p{};
  p.input_offset = 3;
  p.output_offset = -5;
  p.stride_h = p.stride_w = stride;
  p.pad_top = p.pad_left = pad;
  p.activation_min = -128;
  p.activation_max = 127;
  return p;
}

void set_rate(benchmark::State& state, double per_iteration) {
  state.counters["MACs"] =
      benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

// args: input side, input channels, output channels, kernel, stride
void BM_Conv2d(benchmark::State& state) {
  const int32_t side = static_cast<int32_t>(state.range(0));
  const int32_t in_c = static_cast<int32_t>(state.range(1));
  const int32_t out_c = static_cast<int32_t>(state.range(2));
  const int32_t k = static_cast<int32_t>(state.range(3));
  const int32_t stride = static_cast<int32_t>(state.range(4));
  const int32_t out_side = (side + stride - 1) / stride;
  const int32_t pad = ((out_side - 1) * stride + k - side) / 2;
  const Shape input_shape{1, side, side, in_c};
  const Shape filter_shape{out_c, k, k, in_c};
  const Shape output_shape{1, out_side, out_side, out_c};
  const auto input = random_int8(input_shape.elements());
  const Layer layer(filter_shape.elements(), out_c);
  std::vector<int8_t> output(output_shape.elements());
  for (auto _ : state) {
    conv2d_s8(conv_params(stride, pad), layer.quant(), input_shape, input.data(), filter_shape,
              layer.filter.data(), layer.bias.data(), output_shape, output.data());
    benchmark::DoNotOptimize(output.data());
  }
  set_rate(state, double(output_shape.elements()) * k * k * in_c);
}
BENCHMARK(BM_Conv2d)->Args({176, 3, 16, 3, 2})->Args({24, 32, 32, 3, 1});

// args: input side, input channels, output channels
void BM_Conv2d1x1(benchmark::State& state) {
  const int32_t side = static_cast<int32_t>(state.range(0));
  const int32_t in_c = static_cast<int32_t>(state.range(1));
  const int32_t out_c = static_cast<int32_t>(state.range(2));
  const Shape input_shape{1, side, side, in_c};
  const Shape filter_shape{out_c, 1, 1, in_c};
  const Shape output_shape{1, side, side, out_c};
  const auto input = random_int8(input_shape.elements());
  const Layer layer(filter_shape.elements(), out_c);
  std::vector<int8_t> output(output_shape.elements());
  for (auto _ : state) {
    conv2d_1x1_s8(conv_params(1, 0), layer.quant(), input_shape, input.data(), filter_shape,
                  layer.filter.data(), layer.bias.data(), output_shape, output.data());
    benchmark::DoNotOptimize(output.data());
  }
  set_rate(state, double(output_shape.elements()) * in_c);
}
BENCHMARK(BM_Conv2d1x1)->Args({48, 16, 96})->Args({12, 160, 960});

struct DepthwiseShapes {
  Shape input, filter, output;
  int32_t pad;
};

DepthwiseShapes depthwise_shapes(const benchmark::State& state) {
  const int32_t side = static_cast<int32_t>(state.range(0));
  const int32_t c = static_cast<int32_t>(state.range(1));
  const int32_t k = static_cast<int32_t>(state.range(2));
  const int32_t stride = static_cast<int32_t>(state.range(3));
  const int32_t out_side = (side + stride - 1) / stride;
  return {Shape{1, side, side, c}, Shape{1, k, k, c}, Shape{1, out_side, out_side, c},
          ((out_side - 1) * stride + k - side) / 2};
}

// args: input side, channels, kernel, stride
void BM_DepthwiseConv2d(benchmark::State& state) {
  const auto s = depthwise_shapes(state);
  const int32_t stride = static_cast<int32_t>(state.range(3));
  const auto input = random_int8(s.input.elements());
  const Layer layer(s.filter.elements(), s.input.c);
  std::vector<int8_t> output(s.output.elements());
  for (auto _ : state) {
    depthwise_conv2d_s8(conv_params(stride, s.pad), layer.quant(), s.input, input.data(), s.filter,
                        layer.filter.data(), layer.bias.data(), s.output, output.data());
    benchmark::DoNotOptimize(output.data());
  }
  set_rate(state, double(s.output.elements()) * s.filter.h * s.filter.w);
}
BENCHMARK(BM_DepthwiseConv2d)->Args({48, 96, 3, 1})->Args({48, 96, 7, 1})->Args({88, 48, 7, 2});

// Same shapes in place; the buffer keeps being overwritten, which does not change the work.
void BM_DepthwiseConv2dInPlace(benchmark::State& state) {
  const auto s = depthwise_shapes(state);
  const int32_t stride = static_cast<int32_t>(state.range(3));
  auto buffer = random_int8(s.input.elements());
  const Layer layer(s.filter.elements(), s.input.c);
  std::vector<int8_t> scratch(depthwise_conv2d_s8_in_place_get_buffer_size(s.input, s.filter));
  for (auto _ : state) {
    depthwise_conv2d_s8_in_place(conv_params(stride, s.pad), layer.quant(), s.input, s.filter,
                                 layer.filter.data(), layer.bias.data(), s.output, buffer.data(),
                                 scratch.data());
    benchmark::DoNotOptimize(buffer.data());
  }
  set_rate(state, double(s.output.elements()) * s.filter.h * s.filter.w);
  state.counters["scratch_bytes"] = double(scratch.size());
}
BENCHMARK(BM_DepthwiseConv2dInPlace)
    ->Args({48, 96, 3, 1})
    ->Args({48, 96, 7, 1})
    ->Args({88, 48, 7, 2});

// args: elements
void BM_Add(benchmark::State& state) {
  const int32_t size = static_cast<int32_t>(state.range(0));
  const auto a = random_int8(size);
  const auto b = random_int8(size);
  std::vector<int8_t> output(size);
  AddParams p{};
  p.input0_offset = 3;
  p.input1_offset = -7;
  p.left_shift = 20;
  p.input0_multiplier = p.input1_multiplier = p.output_multiplier = kMultiplier;
  p.input0_shift = p.input1_shift = -1;
  p.output_shift = -19;
  p.activation_min = -128;
  p.activation_max = 127;
  for (auto _ : state) {
    add_s8(p, a.data(), b.data(), output.data(), size);
    benchmark::DoNotOptimize(output.data());
  }
  set_rate(state, size);
}
BENCHMARK(BM_Add)->Arg(48 * 48 * 24);

// args: input side, channels, kernel
void BM_Avgpool(benchmark::State& state) {
  const int32_t side = static_cast<int32_t>(state.range(0));
  const int32_t c = static_cast<int32_t>(state.range(1));
  const int32_t k = static_cast<int32_t>(state.range(2));
  const Shape input_shape{1, side, side, c};
  const Shape output_shape{1, side, side, c};
  const auto input = random_int8(input_shape.elements());
  std::vector<int8_t> output(output_shape.elements());
  PoolParams p{};
  p.kernel_h = p.kernel_w = k;
  p.stride_h = p.stride_w = 1;
  p.pad_top = p.pad_left = k / 2;
  p.activation_min = -128;
  p.activation_max = 127;
  for (auto _ : state) {
    avgpool_s8(p, input_shape, input.data(), output_shape, output.data());
    benchmark::DoNotOptimize(output.data());
  }
  set_rate(state, double(output_shape.elements()) * k * k);
}
BENCHMARK(BM_Avgpool)->Args({24, 64, 3});

// args: input side, channels
void BM_GlobalAvgpool(benchmark::State& state) {
  const int32_t side = static_cast<int32_t>(state.range(0));
  const int32_t c = static_cast<int32_t>(state.range(1));
  const Shape input_shape{1, side, side, c};
  const auto input = random_int8(input_shape.elements());
  std::vector<int8_t> output(c);
  GlobalPoolParams p{};
  p.input_offset = 5;
  p.output_offset = -3;
  p.output_multiplier = kMultiplier;
  p.output_shift = -6;
  p.activation_min = -128;
  p.activation_max = 127;
  for (auto _ : state) {
    global_avgpool_s8(p, input_shape, input.data(), output.data());
    benchmark::DoNotOptimize(output.data());
  }
  set_rate(state, input_shape.elements());
}
BENCHMARK(BM_GlobalAvgpool)->Args({6, 320});

// args: depth, outputs
void BM_FullyConnected(benchmark::State& state) {
  const int32_t depth = static_cast<int32_t>(state.range(0));
  const int32_t outputs = static_cast<int32_t>(state.range(1));
  const auto input = random_int8(depth);
  const Layer layer(static_cast<size_t>(depth) * outputs, outputs);
  std::vector<int8_t> output(outputs);
  for (auto _ : state) {
    fully_connected_s8(conv_params(1, 0), layer.quant(), Shape{1, 1, 1, depth}, input.data(),
                       Shape{outputs, 1, 1, depth}, layer.filter.data(), layer.bias.data(),
                       Shape{1, 1, 1, outputs}, output.data());
    benchmark::DoNotOptimize(output.data());
  }
  set_rate(state, double(depth) * outputs);
}
BENCHMARK(BM_FullyConnected)->Args({160, 1000});

}  // namespace
}  // namespace tinynas::runtime

BENCHMARK_MAIN();
