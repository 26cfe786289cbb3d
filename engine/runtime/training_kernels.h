// Training kernels of the runtime: the backward passes of the int8 ops and the SGD update with
// quantization-aware scaling (QAS), after Lin et al., "On-Device Training Under 256KB Memory",
// NeurIPS 2022, section 2.1. Plain C++ loops, freestanding like kernels.h; the caller owns every
// buffer (no hidden state, no scratch: none of these kernels has a *_get_buffer_size companion).
//
// Units. Every gradient is float32 and taken with respect to the int8 values q of a tensor
// (dL/dq, "integer units"), not its real values r = s * (q - zp): the output gradient of one op
// is then the input gradient of the next with no rescaling between ops. The loss gives
// dL/dq = dL/dr * s for the tensor it reads. The weight gradient is dL/dW_q of the int8 weight
// W_q (real W = s_W(c) * W_q) and the bias gradient dL/db_q of the int32 bias (real b =
// s_x * s_W(c) * b_q) -- the paper's G_W and G_b of the quantized graph, which QAS rescales.
//
// A convolution (any kind) or fully connected layer runs backward in three steps on the gradient
// of its int8 output y:
//   1. conv_output_backward_s8: through the clamp and the requantization, y = clamp(zp_y +
//      M(c) * acc), to the int32 accumulator acc (may run in place on the output gradient);
//   2. bias_backward and *_backward_weight (only the selected output channels);
//   3. *_backward_input: to the int8 input x (overwrites or accumulates into its gradient).
// Layouts as in kernels.h: NHWC activations, OHWI conv / FC weights, 1 x KH x KW x C depthwise.
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"

namespace tinynas::runtime {

// The real value of a Q31 multiplier and shift, multiplier * 2^(shift - 31), in float (the
// multiplier rounded to 24 bits; the power of two is exact).
inline float real_multiplier(int32_t multiplier, int32_t shift) {
  float value = static_cast<float>(multiplier);
  for (int32_t exponent = shift - 31; exponent < 0; ++exponent) value *= 0.5f;
  for (int32_t exponent = shift - 31; exponent > 0; --exponent) value *= 2.0f;
  return value;
}

// How an input-gradient kernel writes: overwrite the buffer, or add to what it holds (the input
// also feeds another op, e.g. the skip branch of a residual add, whose gradient is already there).
enum class GradientWrite { kOverwrite, kAccumulate };

// Channels whose weights are updated (the sparse update: a ratio of the channels, picked by the
// scheme), distinct. The *_backward_weight kernels and sgd_qas_update_weights_s8 take output
// channels (channels[j] in [0, output channels); a weight-gradient or master-weight buffer holds
// count rows, row j the weights of channel channels[j]); the *_saved_channels and
// *_input_channels kernels take input channels (below).
struct ChannelSelection {
  const int32_t* channels;
  int32_t count;  // [0, channels of that kind]
};

// ---- Output stage and bias ----

// Backward of y = clamp(zp_y + M(c) * acc, activation_min, activation_max) for conv2d_s8,
// conv2d_1x1_s8, depthwise_conv2d_s8 and fully_connected_s8 (output channel c = last index):
// accumulator_grad = output_grad * M(c) where activation_min < y < activation_max, 0 where the
// output sits on a clamp bound (ReLU / ReLU6 / int8 saturation; as PyTorch's hardtanh, the bound
// itself counts as clamped). M(c) = real_multiplier(quant.multiplier[c], quant.shift[c]).
// `output` is the forward's int8 output, or null when it was not kept (a layer without a fused
// activation: the gradient then passes everywhere, int8 saturation ignored); accumulator_grad may
// be output_grad (in place).
void conv_output_backward_s8(const ConvParams& params, const PerChannelQuantization& quant,
                             const Shape& output_shape, const int8_t* output,
                             const float* output_grad, float* accumulator_grad);

// dL/db_q(c) = sum over the output pixels of accumulator_grad(., c); bias_grad holds C values.
void bias_backward(const Shape& output_shape, const float* accumulator_grad, float* bias_grad);

// ---- Weight gradients (selected output channels only) ----
// weight_grad row j (channel c = selection.channels[j]) holds dL/dW_q(c, taps) = sum over the
// output pixels of accumulator_grad(pixel, c) * (x_q - zp_x) of the input under each tap, with the
// taps in the filter's own order (conv: KH x KW x Cin; depthwise: KH x KW; FC: K). Padded cells
// contribute nothing, as in the forward. `input` is the forward's int8 input.

void conv2d_s8_backward_weight(const ConvParams& params, const Shape& input_shape,
                               const int8_t* input, const Shape& filter_shape,
                               const Shape& output_shape, const float* accumulator_grad,
                               const ChannelSelection& selection, float* weight_grad);
// Pointwise 1x1, stride 1, unpadded: weight_grad rows of Cin values.
void conv2d_1x1_s8_backward_weight(const ConvParams& params, const Shape& input_shape,
                                   const int8_t* input, const Shape& output_shape,
                                   const float* accumulator_grad, const ChannelSelection& selection,
                                   float* weight_grad);
// Any kernel size, stride and depth multiplier (output channel c reads input channel c / (C_out /
// C_in)); weight_grad rows of KH * KW values.
void depthwise_conv2d_s8_backward_weight(const ConvParams& params, const Shape& input_shape,
                                         const int8_t* input, const Shape& filter_shape,
                                         const Shape& output_shape, const float* accumulator_grad,
                                         const ChannelSelection& selection, float* weight_grad);
// The input flattened to K = fully_connected_depth(filter_shape) values; rows of K values.
void fully_connected_s8_backward_weight(const ConvParams& params, const int8_t* input,
                                        const Shape& filter_shape, const float* accumulator_grad,
                                        const ChannelSelection& selection, float* weight_grad);

// ---- Weight gradients of chosen input channels (the sparse update, weight ratio below 1) ----
// A conv, 1x1 or fully connected layer whose weight ratio is below 1 updates the weights of some
// input channels (the last dimension of its OHWI weights), for every output channel. The forward
// keeps only those channels of its input (save_channels_s8); the weight gradient of the slice is
// then the weight gradient of the same layer over the saved channels alone, laid out as the
// weights with the input dimension cut to the chosen channels: [C_out][KH][KW][count] (fully
// connected: [C_out][count]). With every channel chosen the slice is the whole weight gradient
// and the saved input is the input itself.
// A depthwise conv's chosen channels are its output channels (channel c reads input channel
// c / multiplier): its gradient rows are the existing ones (row j: channel channels[j]), read from
// the saved input channels instead of the whole input.
//
// Value ranges: saved values are any int8, params.input_offset in [-127, 128], so each term is
// accumulator_grad x an integer in [-255, 255]; a result is the sum of at most output pixels
// (fully connected: one) such terms. The selection is ascending and within the weight channels
// (validate_training checks the file's lists).

// How many input channels the chosen weight channels read: count (conv, 1x1, fully connected:
// channel_multiplier 1), the distinct channels[j] / channel_multiplier (depthwise conv with
// depth multiplier channel_multiplier).
int32_t saved_channel_count(const ChannelSelection& selection, int32_t channel_multiplier);

// The forward's copy of the chosen channels: input holds pixels x input_channels int8 values
// (NHWC; a fully connected layer's flattened input is one pixel of K channels); saved gets pixels x
// saved_channel_count(selection, channel_multiplier) values, for every pixel the input channels
// selection.channels[j] / channel_multiplier in ascending order, each once.
void save_channels_s8(int32_t pixels, int32_t input_channels, const int8_t* input,
                      const ChannelSelection& selection, int32_t channel_multiplier, int8_t* saved);

// input_shape: the layer's input (its H and W; its C is not read); saved: H x W x saved_channels
// from save_channels_s8; filter_shape: the whole OHWI weights. weight_grad gets C_out x KH x KW x
// saved_channels values.
void conv2d_s8_backward_weight_saved_channels(const ConvParams& params, const Shape& input_shape,
                                              const int8_t* saved, int32_t saved_channels,
                                              const Shape& filter_shape, const Shape& output_shape,
                                              const float* accumulator_grad, float* weight_grad);
// Pointwise 1x1, stride 1, unpadded: weight_grad gets C_out x saved_channels values.
void conv2d_1x1_s8_backward_weight_saved_channels(const ConvParams& params,
                                                  const Shape& input_shape, const int8_t* saved,
                                                  int32_t saved_channels, const Shape& output_shape,
                                                  const float* accumulator_grad,
                                                  float* weight_grad);
// saved: the chosen saved_channels of the K input values; filter_shape: the whole O x 1 x 1 x K
// weights; weight_grad gets O x saved_channels values.
void fully_connected_s8_backward_weight_saved_channels(const ConvParams& params,
                                                       const int8_t* saved, int32_t saved_channels,
                                                       const Shape& filter_shape,
                                                       const float* accumulator_grad,
                                                       float* weight_grad);
// input_shape: the layer's whole input (H, W, C_in); saved: H x W x saved_channel_count(selection,
// C_out / C_in); selection: the chosen (output) channels; weight_grad rows of KH * KW values, row j
// channel selection.channels[j], as depthwise_conv2d_s8_backward_weight.
void depthwise_conv2d_s8_backward_weight_saved_channels(
    const ConvParams& params, const Shape& input_shape, const int8_t* saved,
    const Shape& filter_shape, const Shape& output_shape, const float* accumulator_grad,
    const ChannelSelection& selection, float* weight_grad);

// ---- Input gradients ----
// input_grad(x) = sum over the outputs whose window covers x of accumulator_grad * W_q (the zero
// point does not enter: d(x_q - zp_x)/dx_q = 1). input_grad has the input's shape and must not
// overlap accumulator_grad.

void conv2d_s8_backward_input(const ConvParams& params, const Shape& input_shape,
                              const Shape& filter_shape, const int8_t* filter,
                              const Shape& output_shape, const float* accumulator_grad,
                              GradientWrite write, float* input_grad);
void conv2d_1x1_s8_backward_input(const Shape& input_shape, const int8_t* filter,
                                  const Shape& output_shape, const float* accumulator_grad,
                                  GradientWrite write, float* input_grad);
void depthwise_conv2d_s8_backward_input(const ConvParams& params, const Shape& input_shape,
                                        const Shape& filter_shape, const int8_t* filter,
                                        const Shape& output_shape, const float* accumulator_grad,
                                        GradientWrite write, float* input_grad);
// input_grad holds K values.
void fully_connected_s8_backward_input(const Shape& filter_shape, const int8_t* filter,
                                       const float* accumulator_grad, GradientWrite write,
                                       float* input_grad);

// ---- Other ops ----

// Global average pool: every input pixel of channel c gets output_grad(c) * M where the output
// was not clamped (M = real_multiplier(output_multiplier, output_shift) = s_in / (s_out * H * W)),
// 0 where it was. `output` is the forward's int8 output (C values), or null (not kept: no clamp).
void global_avgpool_s8_backward(const GlobalPoolParams& params, const Shape& input_shape,
                                const int8_t* output, const float* output_grad, GradientWrite write,
                                float* input_grad);

// Residual add: input i gets output_grad * 2^left_shift * M_i * M_out (= s_i / s_out) where the
// output was not clamped, 0 where it was. With kOverwrite one of input0_grad / input1_grad may be
// output_grad (in place). `size` elements, `output` the forward's int8 output or null (not kept:
// no clamp).
void add_s8_backward(const AddParams& params, const int8_t* output, const float* output_grad,
                     int32_t size, GradientWrite write, float* input0_grad, float* input1_grad);

// ---- Loss ----

// Softmax cross-entropy on `count` int8 logits (real = scale * (q - zero_point); softmax does not
// depend on the zero point) against the class `label` (in [0, count)): logits_grad = scale *
// (softmax(real) - one_hot(label)), the gradient dL/dq that starts the backward pass. Returns
// softmax(real)[label], the probability the model gives the right class (the loss is its -log). exp
// in single precision without libm (relative error below 1e-6).
float softmax_cross_entropy_backward_s8(const int8_t* logits, int32_t count, float scale,
                                        int32_t label, float* logits_grad);

// ---- SGD with quantization-aware scaling ----
// Plain SGD (no momentum) on the int8 graph. QAS (the paper, section 2.1) rescales the
// gradient of the int8 weight of output channel c by s_W(c)^-2 and the gradient of the int32 bias
// by (s_x * s_W(c))^-2, which makes the step in real units the float model's step: W_q -= lr *
// G_W * s_W^-2 is W -= lr * dL/dW. The master copies hold the updated values in the units of the
// existing scales (a float W_q, a float b_q), so a step smaller than one quantum is not lost;
// after each step the int8 weight is the master rounded (halves away from zero, as the int8
// lowering quantizes weights) and saturated to [kTrainedWeightMin, kTrainedWeightMax], the int32
// bias the master rounded and saturated to int32. Scales stay as they are (the multipliers of
// the forward do not change).

inline constexpr int32_t kTrainedWeightMin = -127;  // symmetric int8 weights (the int8 lowering)
inline constexpr int32_t kTrainedWeightMax = 127;

inline float qas_weight_gradient_scale(float weight_scale) {
  return 1.0f / (weight_scale * weight_scale);
}
inline float qas_bias_gradient_scale(float input_scale, float weight_scale) {
  const float bias_scale = input_scale * weight_scale;
  return 1.0f / (bias_scale * bias_scale);
}

// Where the weights of one output channel lie in the weight tensor: element t of channel c at
// c * channel_stride + t * tap_stride, t in [0, taps).
struct WeightChannelLayout {
  int32_t channel_stride;
  int32_t tap_stride;
  int32_t taps;
};
// Conv, 1x1 and fully connected (OHWI, a channel's weights contiguous).
inline WeightChannelLayout conv_weight_layout(const Shape& filter_shape) {
  const int32_t taps = filter_shape.h * filter_shape.w * filter_shape.c;
  return {taps, 1, taps};
}
// Depthwise (1 x KH x KW x C: a channel's taps C apart).
inline WeightChannelLayout depthwise_weight_layout(const Shape& filter_shape) {
  return {1, filter_shape.c, filter_shape.h * filter_shape.w};
}

// Fill the master copy (selection.count rows of layout.taps floats) from the int8 weights, before
// the first step.
void load_master_weights_s8(const WeightChannelLayout& layout, const ChannelSelection& selection,
                            const int8_t* weights, float* master);
// One step on the selected channels: master -= learning_rate * weight_grad *
// qas_weight_gradient_scale(weight_scales[c]), then the int8 weights of those channels from the
// master. Other channels are not touched. weight_scales holds s_W for every output channel.
void sgd_qas_update_weights_s8(float learning_rate, const WeightChannelLayout& layout,
                               const ChannelSelection& selection, const float* weight_scales,
                               const float* weight_grad, float* master, int8_t* weights);

// The same on the chosen input channels of OHWI weights (conv, 1x1, fully connected:
// filter_shape the whole weights; selection ascending input channels): master and weight_grad
// hold C_out x KH x KW x selection.count values (the layout of the saved-channel weight
// gradients); weight (o, ky, kx, selection.channels[j]) steps with output channel o's scale.
// Other input channels are not touched.
void load_master_weights_s8_input_channels(const Shape& filter_shape,
                                           const ChannelSelection& selection, const int8_t* weights,
                                           float* master);
void sgd_qas_update_weights_s8_input_channels(float learning_rate, const Shape& filter_shape,
                                              const ChannelSelection& selection,
                                              const float* weight_scales, const float* weight_grad,
                                              float* master, int8_t* weights);

// The bias master copy (channels floats) from the int32 bias (exact up to |b_q| = 2^24).
void load_master_bias_s32(int32_t channels, const int32_t* bias, float* master);
// One step on every channel: master -= learning_rate * bias_grad *
// qas_bias_gradient_scale(input_scale, weight_scales[c]), bias = saturate(round(master)).
void sgd_qas_update_bias_s32(float learning_rate, int32_t channels, float input_scale,
                             const float* weight_scales, const float* bias_grad, float* master,
                             int32_t* bias);

}  // namespace tinynas::runtime
