#include "engine/runtime/streamed_geometry.h"

namespace tinynas::runtime {
namespace {

uint32_t slot_row_bytes(const StreamedStage& stage, int32_t slot) {
  return slot == 0 ? stage.input_row_bytes : stage.ops[slot - 1].output_row_bytes;
}

// Records, as rows are computed, what each ring must hold and how far the stage output runs
// ahead of the stage input's dead rows.
struct NeedsVisit {
  const StreamedStage& stage;
  StreamedStageNeeds* needs;
  const StreamedRowOrder<NeedsVisit>* order = nullptr;
  int64_t lead = 0;

  void operator()(int32_t k, int32_t row) {
    ++needs->computed_rows[k];
    const int32_t last = stage.op_count - 1;
    if (k < last) {
      const int32_t lowest = min_i32(row, order->lowest_needed(k + 1));
      const int32_t held = row - lowest + 1;
      if (held > needs->ring_rows[k]) needs->ring_rows[k] = static_cast<uint16_t>(held);
      return;
    }
    const int64_t written_end = int64_t{row + 1} * stage.ops[last].output_row_bytes;
    const int64_t dead_end = int64_t{order->lowest_needed(0)} * stage.input_row_bytes;
    if (written_end - dead_end > lead) lead = written_end - dead_end;
  }
};

// Whether every output row misses the input rows still needed when it is written.
struct OverlapVisit {
  const StreamedStage& stage;
  int64_t input_offset, output_offset;
  const StreamedRowOrder<OverlapVisit>* order = nullptr;
  bool ok = true;

  void operator()(int32_t k, int32_t row) {
    const int32_t last = stage.op_count - 1;
    if (k < last) return;
    const int64_t row_bytes = stage.ops[last].output_row_bytes;
    const int64_t written_begin = output_offset + row * row_bytes;
    const int64_t written_end = written_begin + row_bytes;
    const int64_t live_begin =
        input_offset + int64_t{order->lowest_needed(0)} * stage.input_row_bytes;
    const int64_t input_end = input_offset + int64_t{stage.input_h} * stage.input_row_bytes;
    if (written_begin < input_end && live_begin < written_end) ok = false;
  }
};

}  // namespace

void streamed_stage_needs(const StreamedStage& stage, StreamedStageNeeds* needs) {
  for (int32_t k = 0; k < kMaxStreamedStageOps; ++k) {
    needs->ring_rows[k] = 0;
    needs->gather_bytes[k] = 0;
    needs->computed_rows[k] = 0;
  }
  for (int32_t k = 0; k < stage.op_count; ++k) {
    const StreamedStageOp& op = stage.ops[k];
    if (streamed_op_gathers(op)) {
      needs->gather_bytes[k] =
          streamed_gather_bytes(op, stage.slot_rows(op.input0), slot_row_bytes(stage, op.input0));
    }
  }
  NeedsVisit visit{stage, needs};
  StreamedRowOrder<NeedsVisit> order(stage, visit);
  visit.order = &order;
  order.run();
  needs->output_lead_bytes = static_cast<uint32_t>(visit.lead);
}

bool streamed_output_may_overlap_input(const StreamedStage& stage, uint32_t input_offset,
                                       uint32_t output_offset) {
  OverlapVisit visit{stage, input_offset, output_offset};
  StreamedRowOrder<OverlapVisit> order(stage, visit);
  visit.order = &order;
  order.run();
  return visit.ok;
}

}  // namespace tinynas::runtime
