#include "engine/runtime/interpreter.h"

#include "engine/runtime/kernel_params.h"
#include "engine/runtime/patch_executor.h"
#include "engine/runtime/streamed_executor.h"

namespace tinynas::runtime {
ConvStage Interpreter::conv_stage(const OpInfo& op) const {
  const TensorInfo weights = model_.tensor(op.weights);
  ConvStage stage;
  stage.params = conv_params(op, model_.tensor(op.input0), model_.tensor(op.output));
  stage.quant = PerChannelQuantization{model_.constant_int32(op.multiplier_offset),
                                       model_.constant_int32(op.shift_offset)};
  stage.filter_shape = weights.shape;
  stage.filter = model_.constant_int8(weights.offset);
  stage.bias = model_.constant_int32(op.bias_offset);
  return stage;
}

// The validator has made ops first .. first + 2 an expand -> depthwise -> project group.
void Interpreter::run_fused_group(uint16_t first) {
  const OpInfo expand = model_.op(first);
  const OpInfo depthwise = model_.op(static_cast<uint16_t>(first + 1));
  const OpInfo project = model_.op(static_cast<uint16_t>(first + 2));
  InvertedResidualShapes shapes;
  shapes.input = model_.tensor(expand.input0).shape;
  shapes.expanded = model_.tensor(expand.output).shape;
  shapes.depthwise_output = model_.tensor(depthwise.output).shape;
  shapes.output = model_.tensor(project.output).shape;
  inverted_residual_rows_s8(conv_stage(expand), conv_stage(depthwise), conv_stage(project), shapes,
                            arena_tensor(expand.input0), arena_tensor(project.output), scratch_);
}

Status Interpreter::init(const ModelView& model, uint8_t* arena, uint32_t arena_size,
                         uint8_t* scratch, uint32_t scratch_size) {
  initialized_ = false;
  if (!model.valid() || arena == nullptr) return Status::kNullArgument;
  if (arena_size < model.arena_size()) return Status::kArenaTooSmall;
  if (scratch_size < model.scratch_size()) return Status::kScratchTooSmall;
  if (scratch == nullptr && model.scratch_size() > 0) return Status::kNullArgument;
  model_ = model;
  arena_ = arena;
  scratch_ = reinterpret_cast<int8_t*>(scratch);
  // A plan may keep the scratch buffer inside the arena, time-shared with the tensors.
  if ((model.flags() & kModelFlagScratchInArena) != 0) {
    scratch_ = reinterpret_cast<int8_t*>(arena + model.arena_scratch_offset());
  }
  initialized_ = true;
  return Status::kOk;
}

int8_t* Interpreter::arena_tensor(uint16_t index) const {
  return reinterpret_cast<int8_t*>(arena_ + model_.tensor(index).offset);
}

int8_t* Interpreter::input() {
  return initialized_ ? arena_tensor(model_.input_tensor()) : nullptr;
}

const int8_t* Interpreter::output() const {
  return initialized_ ? arena_tensor(model_.output_tensor()) : nullptr;
}

TensorInfo Interpreter::input_info() const {
  return initialized_ ? model_.tensor(model_.input_tensor()) : TensorInfo();
}

TensorInfo Interpreter::output_info() const {
  return initialized_ ? model_.tensor(model_.output_tensor()) : TensorInfo();
}

Status Interpreter::invoke(const OpObserver* observer) {
  if (!initialized_) return Status::kNotInitialized;
  // Ops of a fused group left to run: the whole group runs when its expand op comes up, its
  // depthwise and project ops then have nothing left to do.
  int fused_ops_pending = 0;
  // Likewise the patch stage runs whole, patch by patch, when op 0 comes up.
  const uint16_t patch_split = model_.patch_split();
  // And a streamed stage runs whole when its first op comes up.
  uint16_t streamed_ops_pending = 0;
  for (uint16_t i = 0; i < model_.op_count(); ++i) {
    if (observer != nullptr && observer->begin != nullptr) observer->begin(observer->ctx, i);
    const OpInfo op = model_.op(i);
    if (i < patch_split) {
      if (i == 0) run_patch_stage(model_, arena_, scratch_);
    } else if (fused_ops_pending > 0) {
      --fused_ops_pending;
    } else if (streamed_ops_pending > 0) {
      --streamed_ops_pending;
    } else if (op.stream_start()) {
      const uint16_t count = streamed_stage_length(model_, i);
      run_streamed_stage(model_, i, count, arena_, scratch_);
      streamed_ops_pending = static_cast<uint16_t>(count - 1);
    } else if (op.fused_rows()) {
      run_fused_group(i);
      fused_ops_pending = kFusedGroupOpCount - 1;
    } else {
      run_op(op);
    }
    if (observer != nullptr && observer->end != nullptr) observer->end(observer->ctx, i);
  }
  return Status::kOk;
}

void Interpreter::run_op(const OpInfo& op) {
  const TensorInfo input = model_.tensor(op.input0);
  const TensorInfo output = model_.tensor(op.output);
  int8_t* input_data = arena_tensor(op.input0);
  int8_t* output_data = arena_tensor(op.output);
  switch (op.kind) {
    case OpKind::kConv2d:
    case OpKind::kDepthwiseConv2d:
    case OpKind::kFullyConnected: {
      const TensorInfo weights = model_.tensor(op.weights);
      const int8_t* filter = model_.constant_int8(weights.offset);
      const int32_t* bias = model_.constant_int32(op.bias_offset);
      const PerChannelQuantization quant{model_.constant_int32(op.multiplier_offset),
                                         model_.constant_int32(op.shift_offset)};
      const ConvParams params = conv_params(op, input, output);
      if (op.kind == OpKind::kFullyConnected) {
        fully_connected_s8(params, quant, input.shape, input_data, weights.shape, filter, bias,
                           output.shape, output_data);
      } else if (op.kind == OpKind::kDepthwiseConv2d && op.in_place()) {
        depthwise_conv2d_s8_in_place(params, quant, input.shape, weights.shape, filter, bias,
                                     output.shape, input_data, scratch_);
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
      const AddParams params = add_params(op, input, model_.tensor(op.input1), output);
      add_s8(params, input_data, arena_tensor(op.input1), output_data, output.shape.elements());
      return;
    }
    case OpKind::kAveragePool2d: {
      avgpool_s8(pool_params(op), input.shape, input_data, output.shape, output_data);
      return;
    }
    case OpKind::kGlobalAveragePool: {
      GlobalPoolParams params;
      params.input_offset = -input.zero_point;
      params.output_offset = output.zero_point;
      params.output_multiplier = op.output_multiplier;
      params.output_shift = op.output_shift;
      params.activation_min = op.activation_min;
      params.activation_max = op.activation_max;
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
      run_concatenation(op, output, output_data);
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

void Interpreter::run_concatenation(const OpInfo& op, const TensorInfo& output,
                                    int8_t* output_data) {
  ConcatInput inputs[kMaxConcatInputs];
  for (int32_t k = 0; k < op.concat_input_count; ++k) {
    const ConcatInputEntry entry = model_.concat_input(op, k);
    const TensorInfo input = model_.tensor(entry.tensor);
    ConcatInput& in = inputs[k];
    in.data = arena_tensor(entry.tensor);
    in.channels = input.shape.c;
    in.requantize = entry.requantize != 0;
    in.requant =
        RequantizeParams{-input.zero_point, output.zero_point, entry.multiplier, entry.shift};
  }
  concatenation_s8(inputs, op.concat_input_count, output.shape.h * output.shape.w, output.shape.c,
                   output_data);
}

Status Interpreter::set_input_real(const float* values, uint32_t count) {
  if (!initialized_) return Status::kNotInitialized;
  if (values == nullptr) return Status::kNullArgument;
  const TensorInfo info = input_info();
  if (count != info.size_bytes) return Status::kShapeMismatch;
  quantize_real_s8(values, input(), static_cast<int32_t>(count), info.scale, info.zero_point);
  return Status::kOk;
}

Status Interpreter::output_real(float* values, uint32_t count) const {
  if (!initialized_) return Status::kNotInitialized;
  if (values == nullptr) return Status::kNullArgument;
  const TensorInfo info = output_info();
  if (count != info.size_bytes) return Status::kShapeMismatch;
  dequantize_s8_real(output(), values, static_cast<int32_t>(count), info.scale, info.zero_point);
  return Status::kOk;
}

}  // namespace tinynas::runtime
