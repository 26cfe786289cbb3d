// Row streaming across ops (a streamed stage, kOpFlagStreamed): consecutive convolutions,
// depthwise convolutions, residual adds and pools run row by row, each output row computed
// exactly once, when a later op of the stage first needs it. Every op's output but the last is a
// ring of rows (Storage::kRing) that keeps the rows its readers still need, so the stage's inner
// tensors never exist whole (patch-level memory without the patch stage's recomputation; the
// idea of StreamNet, NeurIPS 2023, and of the fused inverted residual applied across blocks).
//
// The order rows are computed in is demand-driven: the stage's last op computes its output rows
// top to bottom; before an op computes row r it makes sure every input ring holds the rows its
// window reads (computing them, recursively, if not yet done). One implementation of that order
// for the three parties that must agree on it: the streamed executor (which runs it), the model
// validator (which checks a file's ring sizes and scratch against it) and the compiler's memory
// planner (which sizes the rings and places them).
#pragma once

#include <stdint.h>

#include "engine/runtime/arithmetic.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/model_reader.h"

namespace tinynas::runtime {

// Where a stage op's input comes from. Slot 0 is the stage's input (op 0's input0, whole in the
// arena), slot k + 1 the output of stage op k (a ring for k < op_count - 1).
inline constexpr int8_t kNoStreamSlot = -1;
// An arena tensor from before the stage other than the stage input (e.g. a residual's skip
// input), whole in the arena: read where it is, never pulled.
inline constexpr int8_t kWholeStreamSlot = -2;

// Rows [begin, end) of a tensor.
struct RowSpan {
  int32_t begin = 0, end = 0;
};

// One op of a streamed stage, in the terms the row order needs.
struct StreamedStageOp {
  OpKind kind = OpKind::kConv2d;  // kConv2d, kDepthwiseConv2d, kAdd, kAveragePool2d, kMaxPool2d
  bool windowed = false;          // reads a window of rows (else row r of its input for row r)
  uint8_t kernel_h = 1, stride_h = 1, pad_top = 0;
  int8_t input0 = 0;              // slot
  int8_t input1 = kNoStreamSlot;  // slot, kAdd only
  uint16_t output_h = 1;
  uint32_t output_row_bytes = 0;  // W * C of the output
};

struct StreamedStage {
  int32_t input_h = 0;           // rows of slot 0
  uint32_t input_row_bytes = 0;  // W * C of slot 0
  const StreamedStageOp* ops = nullptr;
  int32_t op_count = 0;  // [kMinStreamedStageOps, kMaxStreamedStageOps]
  int32_t slot_rows(int32_t slot) const { return slot == 0 ? input_h : ops[slot - 1].output_h; }
};

// The input rows `op` reads for its output row `row` from an input of `input_h` rows: its
// window clipped to the tensor (the clipped part is zero padding), or the same row.
inline RowSpan rows_read(const StreamedStageOp& op, int32_t row, int32_t input_h) {
  if (!op.windowed) return RowSpan{row, row + 1};
  const int32_t top = row * op.stride_h - op.pad_top;
  return RowSpan{max_i32(0, top), min_i32(input_h, top + op.kernel_h)};
}

// Walks the stage's rows in the order they are computed, calling visit(op, row) for each (op:
// the stage op index). Between calls, lowest_needed(slot) says which rows of a slot are still
// needed. The recursion is at most op_count deep.
template <typename Visit>
class StreamedRowOrder {
 public:
  StreamedRowOrder(const StreamedStage& stage, Visit& visit) : stage_(stage), visit_(visit) {
    for (int32_t k = 0; k < kMaxStreamedStageOps; ++k) produced_[k] = 0;
  }

  void run() {
    const int32_t last = stage_.op_count - 1;
    pull(last, stage_.ops[last].output_h);
  }

  // The first row of `slot` that an op of the stage will still read (its readers' windows for
  // their next rows; the slot's row count when no reader needs any more).
  int32_t lowest_needed(int32_t slot) const {
    int32_t lowest = stage_.slot_rows(slot);
    for (int32_t k = 0; k < stage_.op_count; ++k) {
      const StreamedStageOp& op = stage_.ops[k];
      if (op.input0 != slot && op.input1 != slot) continue;
      if (produced_[k] >= op.output_h) continue;
      lowest = min_i32(lowest, rows_read(op, produced_[k], stage_.slot_rows(slot)).begin);
    }
    return lowest;
  }

 private:
  void pull(int32_t k, int32_t end) {
    const StreamedStageOp& op = stage_.ops[k];
    while (produced_[k] < end) {
      const int32_t row = produced_[k];
      pull_input(op, op.input0, row);
      pull_input(op, op.input1, row);
      visit_(k, row);
      ++produced_[k];
    }
  }

  void pull_input(const StreamedStageOp& op, int32_t slot, int32_t row) {
    if (slot <= 0) return;  // the stage input, a whole tensor or none: nothing to compute
    const RowSpan rows = rows_read(op, row, stage_.slot_rows(slot));
    pull(slot - 1, rows.end);
  }

  const StreamedStage& stage_;
  Visit& visit_;
  int32_t produced_[kMaxStreamedStageOps];
};

// Fills ops[0, count) and *stage from a model's records for the stage of ops [first, first +
// count). `Model` has `OpInfo op(uint16_t) const` and `TensorInfo tensor(uint16_t) const`
// (ModelView, or the validator before the view exists); their per-op fields must have passed the
// validator's per-op checks. Inputs that are neither the stage input nor an earlier stage op's
// output become kWholeStreamSlot.
template <typename Model>
void describe_streamed_stage(const Model& model, uint16_t first, uint16_t count,
                             StreamedStageOp* ops, StreamedStage* stage) {
  const OpInfo first_op = model.op(first);
  const TensorInfo input = model.tensor(first_op.input0);
  stage->input_h = input.shape.h;
  stage->input_row_bytes = input.row_bytes();
  stage->ops = ops;
  stage->op_count = count;
  auto slot_of = [&](uint16_t tensor, uint16_t reader) -> int8_t {
    if (tensor == kNoTensor) return kNoStreamSlot;
    if (tensor == first_op.input0) return 0;
    for (uint16_t j = 0; j < reader; ++j) {
      if (model.op(static_cast<uint16_t>(first + j)).output == tensor) {
        return static_cast<int8_t>(j + 1);
      }
    }
    return kWholeStreamSlot;
  };
  for (uint16_t k = 0; k < count; ++k) {
    const OpInfo info = model.op(static_cast<uint16_t>(first + k));
    StreamedStageOp& op = ops[k];
    op.kind = info.kind;
    op.windowed = info.kind != OpKind::kAdd && !is_pointwise_conv(info);
    op.kernel_h = static_cast<uint8_t>(op.windowed ? info.kernel_h : 1);
    op.stride_h = static_cast<uint8_t>(op.windowed ? info.stride_h : 1);
    op.pad_top = static_cast<uint8_t>(op.windowed ? info.pad_top : 0);
    op.input0 = slot_of(info.input0, k);
    op.input1 = slot_of(info.input1, k);
    const TensorInfo output = model.tensor(info.output);
    op.output_h = static_cast<uint16_t>(output.shape.h);
    op.output_row_bytes = output.row_bytes();
  }
}

// What the stage needs when run in StreamedRowOrder.
struct StreamedStageNeeds {
  // Per op but the last: the fewest rows its output ring must hold (every row that a reader may
  // still read when a new row is written).
  uint16_t ring_rows[kMaxStreamedStageOps];
  // Per op: the bytes of a gathered window (a convolution or pool reading a ring whose window
  // wraps around the ring's end is given its rows in one piece in the scratch; a depthwise
  // convolution reads the ring's rows where they are), 0 for the others.
  uint32_t gather_bytes[kMaxStreamedStageOps];
  // The fewest bytes the stage output must start below the stage input to share its bytes:
  // whenever the last op writes its output row r, the rows of the stage input still needed lie
  // above the output's rows [0, r]. 0 when the output may start at the input.
  uint32_t output_lead_bytes;
  // Output rows each op computes (its output's height, or fewer when no reader needs its last
  // rows): none is computed twice.
  int32_t computed_rows[kMaxStreamedStageOps];
};
void streamed_stage_needs(const StreamedStage& stage, StreamedStageNeeds* needs);

// True when the stage output at `output_offset` may overlap the stage input at `input_offset`
// (both whole in the arena; the input read by nothing after the stage): every output row is
// written only over bytes of input rows that no op of the stage reads any more.
bool streamed_output_may_overlap_input(const StreamedStage& stage, uint32_t input_offset,
                                       uint32_t output_offset);

// True when `op`, reading a ring, needs its window gathered in the scratch.
inline bool streamed_op_gathers(const StreamedStageOp& op) {
  return op.windowed && op.input0 > 0 && op.kind != OpKind::kDepthwiseConv2d;
}

// Scratch of a gathering op: min(kernel_h, input rows) rows of the input.
inline uint32_t streamed_gather_bytes(const StreamedStageOp& op, int32_t input_h,
                                      uint32_t input_row_bytes) {
  return static_cast<uint32_t>(min_i32(op.kernel_h, input_h)) * input_row_bytes;
}

}  // namespace tinynas::runtime
