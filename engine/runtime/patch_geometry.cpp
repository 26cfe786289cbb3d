#include "engine/runtime/patch_geometry.h"

#include "engine/runtime/arithmetic.h"

namespace tinynas::runtime {
namespace {

Region union_of(const Region& a, const Region& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return Region{min_i32(a.y0, b.y0), max_i32(a.y1, b.y1), min_i32(a.x0, b.x0), max_i32(a.x1, b.x1)};
}

// Input rows (or columns) a sliding window reads for outputs [out_begin, out_end), before
// clipping: [out_begin * stride - pad, (out_end - 1) * stride - pad + kernel).
struct Span {
  int32_t begin, end;
};
Span window_span(int32_t out_begin, int32_t out_end, int32_t stride, int32_t pad, int32_t kernel) {
  return Span{out_begin * stride - pad, (out_end - 1) * stride - pad + kernel};
}

uint32_t region_bytes(const Region& region, int32_t channels) {
  if (region.empty()) return 0;
  return static_cast<uint32_t>(region.rows()) * static_cast<uint32_t>(region.cols()) *
         static_cast<uint32_t>(channels);
}

}  // namespace

Shape PatchStageOp::output() const {
  Shape shape;
  shape.h = output_h;
  shape.w = output_w;
  shape.c = output_c;
  return shape;
}

bool PatchStageOp::windowed() const {
  if (kind == OpKind::kDepthwiseConv2d) return true;
  if (kind != OpKind::kConv2d) return false;
  return kernel_h != 1 || kernel_w != 1 || stride_h != 1 || stride_w != 1 || pad_top != 0 ||
         pad_left != 0;
}

Shape PatchStage::slot_shape(int32_t slot) const {
  return slot == 0 ? input : ops[slot - 1].output();
}

Region patch_tile(const Shape& split_output, int32_t grid, int32_t row, int32_t col) {
  return Region{row * split_output.h / grid, (row + 1) * split_output.h / grid,
                col * split_output.w / grid, (col + 1) * split_output.w / grid};
}

Region region_read(const PatchStageOp& op, const Region& output, const Shape& input) {
  if (output.empty()) return Region{};
  if (!op.windowed()) {
    return Region{output.y0, min_i32(output.y1, input.h), output.x0, min_i32(output.x1, input.w)};
  }
  const Span rows = window_span(output.y0, output.y1, op.stride_h, op.pad_top, op.kernel_h);
  const Span cols = window_span(output.x0, output.x1, op.stride_w, op.pad_left, op.kernel_w);
  return Region{max_i32(0, rows.begin), min_i32(input.h, rows.end), max_i32(0, cols.begin),
                min_i32(input.w, cols.end)};
}

void patch_regions(const PatchStage& stage, int32_t row, int32_t col, Region* regions) {
  for (int32_t slot = 0; slot < stage.slot_count(); ++slot) regions[slot] = Region{};
  regions[stage.op_count] = patch_tile(stage.split_output(), stage.grid, row, col);
  // Every reader of a slot comes after the op that writes it, so walking the ops backwards
  // has gathered all of a slot's readers by the time its writer needs it.
  for (int32_t k = stage.op_count - 1; k >= 0; --k) {
    const PatchStageOp& op = stage.ops[k];
    const Region& output = regions[k + 1];
    if (output.empty()) continue;
    regions[op.input0] =
        union_of(regions[op.input0], region_read(op, output, stage.slot_shape(op.input0)));
    if (op.input1 >= 0) {
      regions[op.input1] =
          union_of(regions[op.input1], region_read(op, output, stage.slot_shape(op.input1)));
    }
  }
}

Region stored_region(const PatchStage& stage, const Region* regions, int32_t slot) {
  if (slot != 0) return regions[slot];
  return Region{0, stage.input.h, 0, stage.input.w};
}

WindowRead window_read(const PatchStageOp& op, const Shape& input, const Region& stored,
                       int32_t out_y0, int32_t out_y1, int32_t out_x0, int32_t out_x1) {
  const Span rows = window_span(out_y0, out_y1, op.stride_h, op.pad_top, op.kernel_h);
  const Span cols = window_span(out_x0, out_x1, op.stride_w, op.pad_left, op.kernel_w);
  WindowRead window;
  window.read = Region{max_i32(0, rows.begin), min_i32(input.h, rows.end), max_i32(0, cols.begin),
                       min_i32(input.w, cols.end)};
  window.pad_top = window.read.y0 - rows.begin;
  window.pad_left = window.read.x0 - cols.begin;
  window.gather = window.read.x0 != stored.x0 && cols.end > input.w;
  return window;
}

int32_t gather_bytes(const PatchStageOp& op, const Shape& input, const Region& read) {
  return min_i32(op.kernel_h, input.h) * read.cols() * input.c;
}

void patch_stage_needs(const PatchStage& stage, PatchStageNeeds* needs) {
  for (int32_t slot = 0; slot <= kMaxPatchStageOps; ++slot) needs->region_bytes[slot] = 0;
  for (int32_t k = 0; k < kMaxPatchStageOps; ++k) {
    needs->op_scratch[k] = 0;
    needs->computed_elements[k] = 0;
  }
  Region regions[kMaxPatchStageOps + 1];
  for (int32_t row = 0; row < stage.grid; ++row) {
    for (int32_t col = 0; col < stage.grid; ++col) {
      patch_regions(stage, row, col, regions);
      for (int32_t slot = 1; slot < stage.slot_count(); ++slot) {
        const uint32_t bytes = region_bytes(regions[slot], stage.slot_shape(slot).c);
        if (bytes > needs->region_bytes[slot]) needs->region_bytes[slot] = bytes;
      }
      for (int32_t k = 0; k < stage.op_count; ++k) {
        const PatchStageOp& op = stage.ops[k];
        const Region& output = regions[k + 1];
        if (output.empty()) continue;
        needs->computed_elements[k] += region_bytes(output, op.output_c);
        if (!op.windowed()) continue;
        const Shape input = stage.slot_shape(op.input0);
        const WindowRead window = window_read(op, input, stored_region(stage, regions, op.input0),
                                              output.y0, output.y1, output.x0, output.x1);
        if (!window.gather) continue;
        const uint32_t bytes = static_cast<uint32_t>(gather_bytes(op, input, window.read));
        if (bytes > needs->op_scratch[k]) needs->op_scratch[k] = bytes;
      }
    }
  }
}

namespace {

// first_row[r]: the first stage-input row that tile row r or a later one reads (input.h if
// none), for r in [0, grid).
void first_input_row_still_read(const PatchStage& stage, int32_t* first_row) {
  Region regions[kMaxPatchStageOps + 1];
  for (int32_t row = 0; row < stage.grid; ++row) {
    first_row[row] = stage.input.h;
    for (int32_t col = 0; col < stage.grid; ++col) {
      patch_regions(stage, row, col, regions);
      if (!regions[0].empty()) first_row[row] = min_i32(first_row[row], regions[0].y0);
    }
  }
  for (int32_t row = stage.grid - 2; row >= 0; --row) {
    first_row[row] = min_i32(first_row[row], first_row[row + 1]);
  }
}

int64_t row_bytes(const Shape& shape) { return int64_t{shape.w} * shape.c; }

}  // namespace

bool split_output_may_overlap_input(const PatchStage& stage, uint32_t input_offset,
                                    uint32_t split_offset) {
  int32_t first_row[kMaxPatchGrid];
  first_input_row_still_read(stage, first_row);
  const Shape split = stage.split_output();
  const int64_t input_end = int64_t{input_offset} + row_bytes(stage.input) * stage.input.h;
  for (int32_t row = 0; row < stage.grid; ++row) {
    const Region tile = patch_tile(split, stage.grid, row, 0);
    const int64_t written_begin = int64_t{split_offset} + tile.y0 * row_bytes(split);
    const int64_t written_end = int64_t{split_offset} + tile.y1 * row_bytes(split);
    const int64_t still_read_begin =
        int64_t{input_offset} + first_row[row] * row_bytes(stage.input);
    if (written_begin < input_end && still_read_begin < written_end) return false;
  }
  return true;
}

uint32_t split_output_lead_bytes(const PatchStage& stage) {
  int32_t first_row[kMaxPatchGrid];
  first_input_row_still_read(stage, first_row);
  const Shape split = stage.split_output();
  int64_t lead = 0;
  for (int32_t row = 0; row < stage.grid; ++row) {
    const Region tile = patch_tile(split, stage.grid, row, 0);
    const int64_t excess = tile.y1 * row_bytes(split) - first_row[row] * row_bytes(stage.input);
    if (excess > lead) lead = excess;
  }
  return static_cast<uint32_t>(lead);
}

}  // namespace tinynas::runtime
