#include "engine/runtime/training_executor.h"

#include <string.h>

#include "engine/runtime/kernel_params.h"
#include "engine/runtime/op_dispatch.h"
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {
namespace {

// The scheme's chosen channels: input channels of a conv / FC (the master and gradient buffers
// hold the OHWI weights cut to them), output channels of a depthwise conv (a row each).
ChannelSelection chosen_channels(const TrainedLayerInfo& layer) {
  return ChannelSelection{layer.channels, layer.channel_count};
}

// A depthwise conv's depth multiplier; 1 for the other kinds (their weight channels are input
// channels).
int32_t channel_multiplier(const ModelView& model, const OpInfo& op) {
  if (op.kind != OpKind::kDepthwiseConv2d) return 1;
  return model.tensor(op.output).shape.c / model.tensor(op.input0).shape.c;
}

}  // namespace

float natural_log(float x) {
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(t), t = (m - 1) / (m + 1).
  uint32_t bits;
  memcpy(&bits, &x, sizeof(bits));
  int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xFF) - 127;
  bits = (bits & 0x007FFFFFu) | 0x3F800000u;
  float m;
  memcpy(&m, &bits, sizeof(m));
  if (m > 1.41421356f) {
    m *= 0.5f;
    ++exponent;
  }
  const float t = (m - 1.0f) / (m + 1.0f);
  const float t2 = t * t;
  float series = 1.0f / 13.0f;
  for (int k = 11; k >= 1; k -= 2) series = 1.0f / static_cast<float>(k) + t2 * series;
  return 2.0f * t * series + static_cast<float>(exponent) * 0.69314718f;
}

Status TrainingExecutor::init(const ModelView& model, const TrainingView& training, uint8_t* arena,
                              uint32_t arena_size, uint8_t* scratch, uint32_t scratch_size) {
  initialized_ = false;
  if (!model.valid() || !training.valid() || arena == nullptr) return Status::kNullArgument;
  if (arena_size < model.arena_size()) return Status::kArenaTooSmall;
  if (scratch_size < model.scratch_size()) return Status::kScratchTooSmall;
  if (scratch == nullptr && model.scratch_size() > 0) return Status::kNullArgument;
  model_ = model;
  training_ = training;
  arena_ = arena;
  scratch_ = reinterpret_cast<int8_t*>(scratch);
  for (uint16_t k = 0; k < training_.layer_count(); ++k) {
    const TrainedLayerInfo layer = training_.layer(k);
    const OpInfo op = model_.op(layer.model_op);
    const TensorInfo weights = model_.tensor(op.weights);
    const int32_t channels = model_.tensor(op.output).shape.c;
    if (layer.trains_weights()) {
      int8_t* trained = at<int8_t>(layer.trained_weights);
      memcpy(trained, model_.constant_int8(weights.offset), weights.size_bytes);
      float* master = at<float>(layer.master_weights);
      if (op.kind == OpKind::kDepthwiseConv2d) {
        load_master_weights_s8(depthwise_weight_layout(weights.shape), chosen_channels(layer),
                               trained, master);
      } else {
        load_master_weights_s8_input_channels(weights.shape, chosen_channels(layer), trained,
                                              master);
      }
    }
    if (layer.trains_bias()) {
      int32_t* bias = at<int32_t>(layer.trained_bias);
      memcpy(bias, model_.constant_int32(op.bias_offset), sizeof(int32_t) * channels);
      load_master_bias_s32(channels, bias, at<float>(layer.master_bias));
    }
  }
  initialized_ = true;
  return Status::kOk;
}

int8_t* TrainingExecutor::input() {
  return initialized_
             ? reinterpret_cast<int8_t*>(arena_ + model_.tensor(model_.input_tensor()).offset)
             : nullptr;
}

const int8_t* TrainingExecutor::trained_weights(uint16_t layer) const {
  if (!initialized_ || layer >= training_.layer_count()) return nullptr;
  const TrainedLayerInfo info = training_.layer(layer);
  return info.trains_weights() ? at<int8_t>(info.trained_weights) : nullptr;
}

const int32_t* TrainingExecutor::trained_bias(uint16_t layer) const {
  if (!initialized_ || layer >= training_.layer_count()) return nullptr;
  const TrainedLayerInfo info = training_.layer(layer);
  return info.trains_bias() ? at<int32_t>(info.trained_bias) : nullptr;
}

Status TrainingExecutor::step(int32_t label, float* loss) {
  if (!initialized_) return Status::kNotInitialized;
  const TensorInfo logits = model_.tensor(training_.logits());
  const int32_t classes = static_cast<int32_t>(logits.size_bytes);
  if (label < 0 || label >= classes) return Status::kShapeMismatch;
  for (uint16_t i = 0; i < training_.op_count(); ++i) {
    const TrainOpInfo op = training_.op(i);
    switch (op.kind) {
      case TrainOpKind::kForward:
      case TrainOpKind::kSaveChannels:
        run_forward(op);
        break;
      case TrainOpKind::kLossGradient: {
        const float probability = softmax_cross_entropy_backward_s8(
            at<int8_t>(op.operands[0]), classes, logits.scale, label, at<float>(op.operands[1]));
        if (loss != nullptr) *loss = -natural_log(probability > 1e-30f ? probability : 1e-30f);
        break;
      }
      case TrainOpKind::kInputGradient:
      case TrainOpKind::kWeightGradient:
      case TrainOpKind::kBiasGradient:
        run_backward(op);
        break;
      case TrainOpKind::kUpdateWeights:
      case TrainOpKind::kUpdateBias:
        run_update(op);
        break;
    }
  }
  return Status::kOk;
}

void TrainingExecutor::run_forward(const TrainOpInfo& train_op) {
  const OpInfo op = model_.op(train_op.model_op);
  const uint16_t layer_index = training_.layer_of(train_op.model_op);
  if (train_op.kind == TrainOpKind::kSaveChannels) {
    // The input viewed as pixels x the input channels the weight channels map to (a fully
    // connected layer's K values: one pixel).
    const int32_t multiplier = channel_multiplier(model_, op);
    const int32_t input_channels = model_.tensor(op.weights).shape.c / multiplier;
    const int32_t pixels =
        static_cast<int32_t>(model_.tensor(op.input0).size_bytes) / input_channels;
    save_channels_s8(pixels, input_channels, at<int8_t>(train_op.operands[0]),
                     chosen_channels(training_.layer(layer_index)), multiplier,
                     at<int8_t>(train_op.operands[1]));
    return;
  }
  LayerParameters parameters = model_parameters(model_, op);
  if (layer_index != kNoTensor) {
    const TrainedLayerInfo layer = training_.layer(layer_index);
    if (layer.trains_weights()) parameters.filter = at<int8_t>(layer.trained_weights);
    if (layer.trains_bias()) parameters.bias = at<int32_t>(layer.trained_bias);
  }
  run_single_op(model_, op, arena_, scratch_, parameters);
}

void TrainingExecutor::run_backward(const TrainOpInfo& train_op) {
  const OpInfo op = model_.op(train_op.model_op);
  const TensorInfo input = model_.tensor(op.input0);
  const TensorInfo output = model_.tensor(op.output);
  // Null when not kept: the op has no clamp the gradient must respect.
  const int8_t* output_values =
      train_op.operands[0] == kNoTensor ? nullptr : at<int8_t>(train_op.operands[0]);
  float* output_grad = at<float>(train_op.operands[1]);
  if (op.kind == OpKind::kAdd || op.kind == OpKind::kGlobalAveragePool) {
    const bool has0 = (train_op.flags & kTrainOpFlagInput0Gradient) != 0;
    const bool has1 = (train_op.flags & kTrainOpFlagInput1Gradient) != 0;
    const bool accumulates =
        (train_op.flags & (kTrainOpFlagInput0Accumulates | kTrainOpFlagInput1Accumulates)) != 0;
    const GradientWrite write =
        accumulates ? GradientWrite::kAccumulate : GradientWrite::kOverwrite;
    if (op.kind == OpKind::kGlobalAveragePool) {
      const GlobalPoolParams params = global_pool_params(op, input, output);
      global_avgpool_s8_backward(params, input.shape, output_values, output_grad, write,
                                 at<float>(train_op.operands[2]));
      return;
    }
    // An input without a gradient gets the output gradient's buffer, which dies here.
    float* grad0 = has0 ? at<float>(train_op.operands[2]) : output_grad;
    float* grad1 = has1 ? at<float>(train_op.operands[3]) : output_grad;
    const AddParams params = add_params(op, input, model_.tensor(op.input1), output);
    add_s8_backward(params, output_values, output_grad, output.shape.elements(), write, grad0,
                    grad1);
    return;
  }
  // Conv, depthwise, fully connected.
  const TensorInfo weights = model_.tensor(op.weights);
  const ConvParams params = conv_params(op, input, output);
  if ((train_op.flags & kTrainOpFlagOutputStage) != 0) {
    const PerChannelQuantization quant{model_.constant_int32(op.multiplier_offset),
                                       model_.constant_int32(op.shift_offset)};
    conv_output_backward_s8(params, quant, output.shape, output_values, output_grad, output_grad);
  }
  const float* accumulator_grad = output_grad;
  const uint16_t layer_index = training_.layer_of(train_op.model_op);
  switch (train_op.kind) {
    case TrainOpKind::kInputGradient: {
      const int8_t* filter = model_.constant_int8(weights.offset);
      if (layer_index != kNoTensor && training_.layer(layer_index).trains_weights()) {
        filter = at<int8_t>(training_.layer(layer_index).trained_weights);
      }
      const GradientWrite write = (train_op.flags & kTrainOpFlagInput0Accumulates) != 0
                                      ? GradientWrite::kAccumulate
                                      : GradientWrite::kOverwrite;
      float* input_grad = at<float>(train_op.operands[2]);
      if (op.kind == OpKind::kFullyConnected) {
        fully_connected_s8_backward_input(weights.shape, filter, accumulator_grad, write,
                                          input_grad);
      } else if (op.kind == OpKind::kDepthwiseConv2d) {
        depthwise_conv2d_s8_backward_input(params, input.shape, weights.shape, filter, output.shape,
                                           accumulator_grad, write, input_grad);
      } else if (is_pointwise_conv(op)) {
        conv2d_1x1_s8_backward_input(input.shape, filter, output.shape, accumulator_grad, write,
                                     input_grad);
      } else {
        conv2d_s8_backward_input(params, input.shape, weights.shape, filter, output.shape,
                                 accumulator_grad, write, input_grad);
      }
      return;
    }
    case TrainOpKind::kWeightGradient: {
      // The saved channels (weight ratio below 1) or the whole input (every channel chosen: the
      // input is its own saved copy).
      const int8_t* input_values = at<int8_t>(train_op.operands[2]);
      const bool saved =
          training_.tensor(train_op.operands[2]).kind == TrainTensorKind::kSavedChannels;
      float* weight_grad = at<float>(train_op.operands[3]);
      const TrainedLayerInfo layer = training_.layer(layer_index);
      const ChannelSelection chosen = chosen_channels(layer);
      if (op.kind == OpKind::kDepthwiseConv2d) {
        if (saved) {
          depthwise_conv2d_s8_backward_weight_saved_channels(params, input.shape, input_values,
                                                             weights.shape, output.shape,
                                                             accumulator_grad, chosen, weight_grad);
        } else {
          depthwise_conv2d_s8_backward_weight(params, input.shape, input_values, weights.shape,
                                              output.shape, accumulator_grad, chosen, weight_grad);
        }
      } else if (op.kind == OpKind::kFullyConnected) {
        fully_connected_s8_backward_weight_saved_channels(
            params, input_values, chosen.count, weights.shape, accumulator_grad, weight_grad);
      } else if (is_pointwise_conv(op)) {
        conv2d_1x1_s8_backward_weight_saved_channels(params, input.shape, input_values,
                                                     chosen.count, output.shape, accumulator_grad,
                                                     weight_grad);
      } else {
        conv2d_s8_backward_weight_saved_channels(params, input.shape, input_values, chosen.count,
                                                 weights.shape, output.shape, accumulator_grad,
                                                 weight_grad);
      }
      return;
    }
    default:  // kBiasGradient
      bias_backward(output.shape, accumulator_grad, at<float>(train_op.operands[2]));
      return;
  }
}

void TrainingExecutor::run_update(const TrainOpInfo& train_op) {
  const OpInfo op = model_.op(train_op.model_op);
  const TrainedLayerInfo layer = training_.layer(training_.layer_of(train_op.model_op));
  const int32_t channels = model_.tensor(op.output).shape.c;
  const float rate = training_.learning_rate();
  if (train_op.kind == TrainOpKind::kUpdateBias) {
    sgd_qas_update_bias_s32(rate, channels, layer.input_scale, layer.weight_scales,
                            at<float>(train_op.operands[0]), at<float>(train_op.operands[1]),
                            at<int32_t>(train_op.operands[2]));
    return;
  }
  const TensorInfo weights = model_.tensor(op.weights);
  const float* grad = at<float>(train_op.operands[0]);
  float* master = at<float>(train_op.operands[1]);
  int8_t* trained = at<int8_t>(train_op.operands[2]);
  if (op.kind == OpKind::kDepthwiseConv2d) {
    sgd_qas_update_weights_s8(rate, depthwise_weight_layout(weights.shape), chosen_channels(layer),
                              layer.weight_scales, grad, master, trained);
  } else {
    sgd_qas_update_weights_s8_input_channels(rate, weights.shape, chosen_channels(layer),
                                             layer.weight_scales, grad, master, trained);
  }
}

}  // namespace tinynas::runtime
