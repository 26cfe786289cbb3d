// int8 kernels of the runtime. Plain C++ loops: the reference every faster path (Cortex-M DSP,
// firmware issue) must match bit for bit. Naming follows CMSIS-NN: the name encodes the
// specialisation, and every kernel that needs scratch memory has a *_get_buffer_size companion
// that the memory planner calls, so the plan and the kernel can never disagree.
//
// Callers (the interpreter) validate shapes and parameters first; kernels do not re-check.
// Layout: activations NHWC with N == 1; conv weights OHWI; depthwise weights 1,KH,KW,C.
#pragma once

#include <stdint.h>

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

// Depthwise k x k convolution, depth multiplier 1, output in a separate buffer.
void depthwise_conv2d_s8(const ConvParams& params, const PerChannelQuantization& quant,
                         const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                         const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                         int8_t* output);
int32_t depthwise_conv2d_s8_get_buffer_size(const Shape& input_shape, const Shape& filter_shape);

// In-place depthwise: `buffer` holds the input and receives the output (which starts at the same
// address; with stride > 1 it is smaller). Works channel by channel; the rows of the current
// channel that later outputs still need are saved in `scratch` before they are overwritten.
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

}  // namespace tinynas::runtime
