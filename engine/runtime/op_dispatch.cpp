#include "engine/runtime/op_dispatch.h"

#include "engine/runtime/kernel_params.h"

namespace tinynas::runtime {
namespace {

int8_t* tensor_data(const ModelView& model, uint8_t* arena, uint16_t index) {
  return reinterpret_cast<int8_t*>(arena + model.tensor(index).offset);
}

void run_concatenation(const ModelView& model, const OpInfo& op, uint8_t* arena,
                       const TensorInfo& output, int8_t* output_data) {
  ConcatInput inputs[kMaxConcatInputs];
  for (int32_t k = 0; k < op.concat_input_count; ++k) {
    const ConcatInputEntry entry = model.concat_input(op, k);
    const TensorInfo input = model.tensor(entry.tensor);
    ConcatInput& in = inputs[k];
    in.data = tensor_data(model, arena, entry.tensor);
    in.channels = input.shape.c;
    in.requantize = entry.requantize != 0;
    in.requant =
        RequantizeParams{-input.zero_point, output.zero_point, entry.multiplier, entry.shift};
  }
  concatenation_s8(inputs, op.concat_input_count, output.shape.h * output.shape.w, output.shape.c,
                   output_data);
}

}  // namespace

LayerParameters model_parameters(const ModelView& model, const OpInfo& op) {
  if (op.weights == kNoTensor) return {};
  return {model.constant_int8(model.tensor(op.weights).offset),
          model.constant_int32(op.bias_offset)};
}

void run_single_op(const ModelView& model, const OpInfo& op, uint8_t* arena, int8_t* scratch,
                   const LayerParameters& parameters) {
  const TensorInfo input = model.tensor(op.input0);
  const TensorInfo output = model.tensor(op.output);
  int8_t* input_data = tensor_data(model, arena, op.input0);
  int8_t* output_data = tensor_data(model, arena, op.output);
  switch (op.kind) {
    case OpKind::kConv2d:
    case OpKind::kDepthwiseConv2d:
    case OpKind::kFullyConnected: {
      const TensorInfo weights = model.tensor(op.weights);
      const int8_t* filter = parameters.filter;
      const int32_t* bias = parameters.bias;
      const PerChannelQuantization quant{model.constant_int32(op.multiplier_offset),
                                         model.constant_int32(op.shift_offset)};
      const ConvParams params = conv_params(op, input, output);
      if (op.kind == OpKind::kFullyConnected) {
        fully_connected_s8(params, quant, input.shape, input_data, weights.shape, filter, bias,
                           output.shape, output_data);
      } else if (op.kind == OpKind::kDepthwiseConv2d && op.in_place()) {
        depthwise_conv2d_s8_in_place(params, quant, input.shape, weights.shape, filter, bias,
                                     output.shape, input_data, scratch);
      } else if (op.kind == OpKind::kDepthwiseConv2d) {
        depthwise_conv2d_s8(params, quant, input.shape, input_data, weights.shape, filter, bias,
                            output.shape, output_data);
      } else if (is_pointwise_conv(op)) {
        conv2d_1x1_s8(params, quant, input.shape, input_data, weights.shape, filter, bias,
                      output.shape, output_data);
      } else {
        conv2d_s8(params, quant, input.shape, input_data, weights.shape, filter, bias, output.shape,
                  output_data);
      }
      return;
    }
    case OpKind::kAdd: {
      const AddParams params = add_params(op, input, model.tensor(op.input1), output);
      add_s8(params, input_data, tensor_data(model, arena, op.input1), output_data,
             output.shape.elements());
      return;
    }
    case OpKind::kAveragePool2d: {
      avgpool_s8(pool_params(op), input.shape, input_data, output.shape, output_data);
      return;
    }
    case OpKind::kGlobalAveragePool: {
      const GlobalPoolParams params = global_pool_params(op, input, output);
      global_avgpool_s8(params, input.shape, input_data, output_data);
      return;
    }
    case OpKind::kMaxPool2d:
      maxpool_s8(pool_params(op), input.shape, input_data, output.shape, output_data);
      return;
    case OpKind::kSoftmax: {
      const SoftmaxParams params{op.softmax_input_multiplier, op.softmax_input_left_shift,
                                 op.softmax_diff_min};
      softmax_s8(params, input.shape.h * input.shape.w, input.shape.c, input_data, output_data);
      return;
    }
    case OpKind::kReshape:  // a view: the output is the input's bytes already
      return;
    case OpKind::kPad: {
      const PadParams params{op.pad_top, op.pad_left, output.zero_point};
      pad_s8(params, input.shape, input_data, output.shape, output_data);
      return;
    }
    case OpKind::kConcatenation:
      run_concatenation(model, op, arena, output, output_data);
      return;
    case OpKind::kQuantize: {
      const RequantizeParams params{-input.zero_point, output.zero_point, op.output_multiplier,
                                    op.output_shift};
      requantize_s8(params, input_data, output_data, output.shape.elements());
      return;
    }
    case OpKind::kMean: {
      MeanParams params;
      params.mode = static_cast<MeanMode>(op.mean_mode);
      params.input_zero_point = input.zero_point;
      params.output_zero_point = output.zero_point;
      params.multiplier = op.output_multiplier;
      params.shift = op.output_shift;
      params.scale = op.mean_scale;
      mean_s8(params, input.shape, input_data, output_data);
      return;
    }
  }
}

}  // namespace tinynas::runtime
