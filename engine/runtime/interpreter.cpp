#include "engine/runtime/interpreter.h"

#include "engine/runtime/kernel_params.h"
#include "engine/runtime/op_dispatch.h"
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
  run_single_op(model_, op, arena_, scratch_, model_parameters(model_, op));
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
