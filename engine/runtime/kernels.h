// int8 kernels of the runtime. Plain C++ loops: the reference every faster path (Cortex-M DSP,
// firmware issue) must match bit for bit. Naming follows CMSIS-NN: the name encodes the
// specialisation, and every kernel that needs scratch memory has a *_get_buffer_size companion
// that the memory planner calls, so the plan and the kernel can never disagree.
//
// Callers (the interpreter) validate shapes and parameters first; kernels do not re-check.
// Layout: activations NHWC with N == 1; conv weights OHWI; depthwise weights 1,KH,KW,C.
#pragma once

#include <stdint.h>

#include "engine/runtime/model_format.h"

namespace tinynas::runtime {

struct Shape {
  int32_t n = 1;  // batch, always 1
  int32_t h = 1;  // [1, 65535]
  int32_t w = 1;  // [1, 65535]
  int32_t c = 1;  // [1, 65535]
  int32_t elements() const { return n * h * w * c; }
};

// Per-output-channel requantization: real multiplier = multiplier[c] * 2^(shift[c] - 31).
struct PerChannelQuantization {
  const int32_t* multiplier;  // Q31, [2^30, 2^31) or 0
  const int32_t* shift;       // [-31, 30]
};

struct ConvParams {
  int32_t input_offset;    // -input_zero_point, [-127, 128]
  int32_t output_offset;   // output_zero_point, [-128, 127]
  int32_t stride_h;        // [1, kMaxStride]
  int32_t stride_w;        // [1, kMaxStride]
  int32_t pad_top;         // [0, kernel_h - 1]; bottom/right padding follow from output shape
  int32_t pad_left;        // [0, kernel_w - 1]
  int32_t activation_min;  // [-128, 127]
  int32_t activation_max;  // [activation_min, 127]
};

// General k x k convolution (any stride, zero padding). Needs no scratch.
void conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
               const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
               const int8_t* filter, const int32_t* bias, const Shape& output_shape,
               int8_t* output);
int32_t conv2d_s8_get_buffer_size(const Shape& input_shape, const Shape& filter_shape);

// Pointwise 1x1 convolution, stride 1, no padding: a (H*W) x Cin by Cin x Cout matrix product.
void conv2d_1x1_s8(const ConvParams& params, const PerChannelQuantization& quant,
                   const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                   const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                   int8_t* output);
int32_t conv2d_1x1_s8_get_buffer_size(const Shape& input_shape, const Shape& filter_shape);

// Depthwise kh x kw convolution, output in a separate buffer. The depth multiplier is
// output_shape.c / input_shape.c: output channel c reads input channel c / multiplier (TFLite
// DEPTHWISE_CONV_2D); the filter is 1 x KH x KW x output channels.
void depthwise_conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output);
int32_t depthwise_conv2d_s8_get_buffer_size(const Shape& input_shape, const Shape& filter_shape);

// In-place depthwise (depth multiplier 1): `buffer` holds the input and receives the output (which
// starts at the same address; with stride > 1 it is smaller). Works channel by channel; the rows of
// the current channel that later outputs still need are saved in `scratch` before they are
// overwritten.
void depthwise_conv2d_s8_in_place(const ConvParams& params, const PerChannelQuantization& quant,
                                  const Shape& input_shape, const Shape& filter_shape,
                                  const int8_t* filter, const int32_t* bias,
                                  const Shape& output_shape, int8_t* buffer, int8_t* scratch);
int32_t depthwise_conv2d_s8_in_place_get_buffer_size(const Shape& input_shape,
                                                     const Shape& filter_shape);

// One convolution of a fused inverted-residual group: parameters, requantization, weights.
struct ConvStage {
  ConvParams params;
  PerChannelQuantization quant;
  Shape filter_shape;    // expand / project: Cout,1,1,Cin; depthwise: 1,KH,KW,C
  const int8_t* filter;  // layout as filter_shape
  const int32_t* bias;   // int32[out channels], or nullptr for none
};

// The tensors of a fused inverted-residual group. `expanded` and `depthwise_output` are never
// stored whole: they exist only row by row in the kernel's scratch.
struct InvertedResidualShapes {
  Shape input;             // H x W x Cin, each dim [1, 65535]
  Shape expanded;          // H x W x Cmid (the expand 1x1's output)
  Shape depthwise_output;  // OH x OW x Cmid, OH/OW from the depthwise window, [1, H] / [1, W]
  Shape output;            // OH x OW x Cout (the project 1x1's output)
};

// Fused inverted residual (MobileNetV2 expand 1x1 -> depthwise k x k, stride s -> project 1x1),
// streamed row by row so the expanded tensor never exists in full (the per-block memory idea of
// MCUNetV2, Lin et al., NeurIPS 2021, section 3, applied along rows inside one block). Every
// value is computed once, with exactly the arithmetic of conv2d_1x1_s8 and depthwise_conv2d_s8,
// so the output is bit-exact with running the three ops one after the other, and no MAC is
// repeated. `expand` and `project` are 1x1, stride 1, unpadded; `depthwise.params` holds the
// depthwise stride ([1, kMaxStride]) and top/left padding ([0, kernel - 1]). `output` must not
// overlap `input` or `scratch`; `scratch` holds the *_get_buffer_size bytes (no alignment).
void inverted_residual_rows_s8(const ConvStage& expand, const ConvStage& depthwise,
                               const ConvStage& project, const InvertedResidualShapes& shapes,
                               const int8_t* input, int8_t* output, int8_t* scratch);
// A ring of kernel_h expanded rows (kernel_h * W * Cmid) plus one depthwise output row
// (OW * Cmid). Saturates at INT32_MAX when the product does not fit an int32.
int32_t inverted_residual_rows_s8_get_buffer_size(const Shape& expanded_shape,
                                                  const Shape& depthwise_filter_shape,
                                                  const Shape& depthwise_output_shape);

struct AddParams {
  int32_t input0_offset;      // -zero_point of input 0, [-127, 128]
  int32_t input0_multiplier;  // Q31
  int32_t input0_shift;       // [-31, 0]
  int32_t input1_offset;      // -zero_point of input 1, [-127, 128]
  int32_t input1_multiplier;  // Q31
  int32_t input1_shift;       // [-31, 0]
  int32_t left_shift;         // [0, 30], TFLite uses 20
  int32_t output_offset;      // output zero point, [-128, 127]
  int32_t output_multiplier;  // Q31
  int32_t output_shift;       // [-31, 30]
  int32_t activation_min;     // [-128, 127]
  int32_t activation_max;     // [activation_min, 127]
};

// Elementwise add (TFLite ADD int8 arithmetic). `output` may alias input0 or input1.
void add_s8(const AddParams& params, const int8_t* input0, const int8_t* input1, int8_t* output,
            int32_t size);

struct PoolParams {
  int32_t kernel_h, kernel_w;  // [1, kMaxKernelSize]
  int32_t stride_h, stride_w;  // [1, kMaxStride]
  int32_t pad_top, pad_left;   // [0, kernel - 1]; padded cells are not counted in the mean
  int32_t activation_min;      // [-128, 127]
  int32_t activation_max;      // [activation_min, 127]
};

// Average pool with the same quantization in and out (TFLite AVERAGE_POOL_2D int8 rounding).
void avgpool_s8(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output);

struct GlobalPoolParams {
  int32_t input_offset;       // -input zero point, [-127, 128]
  int32_t output_offset;      // output zero point, [-128, 127]
  int32_t output_multiplier;  // Q31, encodes input_scale / (output_scale * H * W)
  int32_t output_shift;       // [-31, 30]
  int32_t activation_min;
  int32_t activation_max;
};

// Mean over H x W per channel, requantized: out = clamp(zp_out + M * sum(in - zp_in)).
void global_avgpool_s8(const GlobalPoolParams& params, const Shape& input_shape,
                       const int8_t* input, int8_t* output);

// Fully connected: input flattened to K = H*W*C values, weights O x K, per-channel quantization.
// K from the weights' shape {O, 1, 1, K} (any split of K over H, W, C gives the same).
inline int32_t fully_connected_depth(const Shape& filter_shape) {
  return filter_shape.h * filter_shape.w * filter_shape.c;
}
void fully_connected_s8(const ConvParams& params, const PerChannelQuantization& quant,
                        const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                        const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                        int8_t* output);

// ---- Version-2 kernels (TFLite's int8 reference arithmetic). None needs scratch. ----

// Max pool with the same quantization in and out (TFLite MAX_POOL_2D int8): the largest window
// cell inside the input (padding never wins), clamped to the activation range.
void maxpool_s8(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output);

// TFLite's precomputed int8 softmax parameters (PreprocessSoftmaxScaling, CalculateInputRadius).
struct SoftmaxParams {
  int32_t input_multiplier;  // Q31 of beta * input_scale * 2^26, >= 0
  int32_t input_left_shift;  // [0, 31]
  int32_t diff_min;          // <= 0; differences to the row's maximum below it give -128
};

// Softmax over the last axis (`depth` values) of each of `rows` rows, int8 in, int8 out with
// scale 1/256 and zero point -128 (TFLite SOFTMAX int8: gemmlowp fixed-point exp, Q12.19 sum,
// Newton-Raphson reciprocal). depth in [1, kMaxSoftmaxDepth].
inline constexpr int32_t kMaxSoftmaxDepth = 4095;  // keeps the Q12.19 sum of exps in int32
void softmax_s8(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
                int8_t* output);

// Constant padding of H and W (TFLite PAD int8): the input at (pad_top, pad_left) of the larger
// output, every other cell `pad_value` (the zero point: real 0).
struct PadParams {
  int32_t pad_top, pad_left;  // the bottom / right padding follows from the shapes
  int32_t pad_value;          // [-128, 127]
};
void pad_s8(const PadParams& params, const Shape& input_shape, const int8_t* input,
            const Shape& output_shape, int8_t* output);

// int8 -> int8 requantization (TFLite QUANTIZE between int8 tensors, reference_ops::Requantize):
// out = clamp(zp_out + multiplier * 2^(shift - 31) * (in - zp_in), -128, 127).
struct RequantizeParams {
  int32_t input_offset;   // -input zero point, [-127, 128]
  int32_t output_offset;  // output zero point, [-128, 127]
  int32_t multiplier;     // Q31 of input_scale / output_scale, >= 0
  int32_t shift;          // [-31, 30]
};
void requantize_s8(const RequantizeParams& params, const int8_t* input, int8_t* output,
                   int32_t size);

// One input of a concatenation along C: `channels` values per pixel, copied as they are (same
// zero point as the output: TFLite's int8 CONCATENATION) or requantized like requantize_s8.
struct ConcatInput {
  const int8_t* data;
  int32_t channels;
  bool requantize;
  RequantizeParams requant;  // requantize only
};
// `pixels` pixels of output_channels = sum of the inputs' channels. The output must not overlap
// an input.
void concatenation_s8(const ConcatInput* inputs, int32_t input_count, int32_t pixels,
                      int32_t output_channels, int8_t* output);

// TFLite MEAN over H and W, as TFLite Micro computes it (MeanMode in model_format.h).
struct MeanParams {
  MeanMode mode;
  int32_t input_zero_point;   // [-128, 127]
  int32_t output_zero_point;  // [-128, 127]
  int32_t multiplier;         // kRescaleThenDivide: Q31 of input_scale / output_scale
  int32_t shift;              // kRescaleThenDivide: [-31, 30]
  float scale;                // kFloat: input_scale / output_scale (finite, > 0)
};
// Output: one value per channel.
void mean_s8(const MeanParams& params, const Shape& input_shape, const int8_t* input,
             int8_t* output);

// ---- Real-valued model edges (kModelFlagRealInput / kModelFlagRealOutput) ----

// TFLite QUANTIZE float -> int8 (reference_ops::AffineQuantize): round(x / scale) (single
// precision, halves away from zero) + zero_point, clamped to int8. NaN gives the zero point.
void quantize_real_s8(const float* input, int8_t* output, int32_t size, float scale,
                      int32_t zero_point);
// TFLite DEQUANTIZE int8 -> float: scale * (q - zero_point), rounded once to single precision.
void dequantize_s8_real(const int8_t* input, float* output, int32_t size, float scale,
                        int32_t zero_point);

}  // namespace tinynas::runtime
