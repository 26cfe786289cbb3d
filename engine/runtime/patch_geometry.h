// Geometry of patch-based inference (MCUNetV2, Lin et al., NeurIPS 2021, section 3.1): the first
// ops of a network (the patch stage) run once per patch of a grid x grid split of the last stage
// op's output (the split layer), so only one patch's region of every tensor inside the stage
// exists at a time. Each patch needs a region of every tensor inside the stage that is found by
// walking the receptive field backwards (kernel, stride, padding per op); neighbouring regions
// overlap, and the overlap is computed once per patch that needs it (the MAC overhead).
//
// One implementation for the three parties that must agree on it: the patch executor (which
// runs the stage), the model validator (which checks a file's patch parameters, region sizes and
// scratch) and the compiler's memory planner (which places the regions in the arena).
#pragma once

#include <stdint.h>

#include "engine/runtime/kernels.h"
#include "engine/runtime/model_format.h"
#include "engine/runtime/model_reader.h"
#include "engine/runtime/op_window.h"

namespace tinynas::runtime {

// Rows [y0, y1) and columns [x0, x1) of an activation tensor.
struct Region {
  int32_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  int32_t rows() const { return y1 - y0; }
  int32_t cols() const { return x1 - x0; }
  bool empty() const { return y1 <= y0 || x1 <= x0; }
};

// One op of the patch stage, in the terms the geometry needs. Compact (16 bytes) because the
// executor keeps the whole stage on the stack. Tensors are named by slot: slot 0 is the stage
// input (the model input, whole in the arena), slot k + 1 the output of stage op k.
struct PatchStageOp {
  OpKind kind = OpKind::kConv2d;  // kConv2d, kDepthwiseConv2d or kAdd
  uint8_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  int8_t input0 = 0;   // slot
  int8_t input1 = -1;  // slot, kAdd only
  uint16_t output_h = 1, output_w = 1, output_c = 1;
  Shape output() const;
  // Reads a neighbourhood of its output pixel (conv2d_s8 / depthwise), not one pixel per pixel
  // (pointwise conv2d_1x1_s8 and add).
  bool windowed() const;
};

struct PatchStage {
  Shape input;                        // slot 0
  const PatchStageOp* ops = nullptr;  // op k writes slot k + 1; the last op writes the split output
  int32_t op_count = 0;               // [1, kMaxPatchStageOps]
  int32_t grid = 0;                   // [1, kMaxPatchGrid], <= the split output's height and width
  int32_t slot_count() const { return op_count + 1; }
  Shape slot_shape(int32_t slot) const;
  Shape split_output() const { return ops[op_count - 1].output(); }
};

// The part of the split output that patch (row, col) writes: rows [row * H / grid,
// (row + 1) * H / grid), columns likewise.
Region patch_tile(const Shape& split_output, int32_t grid, int32_t row, int32_t col);

// The region of `input` that `op` reads to compute `output` (clipped to the tensor: the clipped
// part is the op's zero padding, which only exists at the real tensor border).
Region region_read(const PatchStageOp& op, const Region& output, const Shape& input);

// The region of every slot that patch (row, col) computes: the split output's tile for the last
// slot, for the others the union of what their readers in the stage read (empty if none does).
// Slot 0 gets the part of the input the patch reads. `regions` holds stage.slot_count() entries.
void patch_regions(const PatchStage& stage, int32_t row, int32_t col, Region* regions);

// Where a stage op's input slot lives during a patch: slot 0 whole, the others as computed.
Region stored_region(const PatchStage& stage, const Region* regions, int32_t slot);

// How a windowed op reads output rows [out_y0, out_y1) x columns [out_x0, out_x1) from its
// input, stored as `stored` (a region of the whole input tensor `input`).
struct WindowRead {
  Region read;       // the rows and columns the window touches inside the tensor
  int32_t pad_top;   // padding before read.y0 / read.x0 seen by the kernel, [0, pad_top]
  int32_t pad_left;  // [0, pad_left]
  // The window runs past the tensor's right border but the stored region starts left of
  // read.x0: the kernel (which clips its window at its input's width) would read the next row
  // instead of padding, so the read region is first copied to scratch.
  bool gather;
};
WindowRead window_read(const PatchStageOp& op, const Shape& input, const Region& stored,
                       int32_t out_y0, int32_t out_y1, int32_t out_x0, int32_t out_x1);
// Scratch bytes of one gathered row window: min(kernel_h, H) input rows of `read`'s columns.
int32_t gather_bytes(const PatchStageOp& op, const Shape& input, const Region& read);

// Fills ops[0, split) and *stage from a model's op and tensor records. `Model` has
// `OpInfo op(uint16_t) const` and `TensorInfo tensor(uint16_t) const` (ModelView, or the
// validator before the view exists). Returns false, with a partial description, when op `*bad_op`
// reads a tensor that is neither the model input nor an earlier stage op's output; the model's
// fields must have passed the validator's per-op checks (they then fit the compact fields).
template <typename Model>
bool describe_patch_stage(const Model& model, uint16_t input_tensor, uint16_t split, uint16_t grid,
                          PatchStageOp* ops, PatchStage* stage, uint16_t* bad_op) {
  stage->input = model.tensor(input_tensor).shape;
  stage->ops = ops;
  stage->op_count = split;
  stage->grid = grid;
  auto slot_of = [&](uint16_t tensor, uint16_t reader) -> int32_t {
    if (tensor == input_tensor) return 0;
    for (uint16_t j = 0; j < reader; ++j) {
      if (model.op(j).output == tensor) return j + 1;
    }
    return -1;
  };
  for (uint16_t k = 0; k < split; ++k) {
    const OpInfo info = model.op(k);
    PatchStageOp& op = ops[k];
    op.kind = info.kind;
    copy_window_start(info, &op);
    if (info.kind == OpKind::kAdd) {  // no window: the identity geometry
      op.kernel_h = op.kernel_w = op.stride_h = op.stride_w = 1;
      op.pad_top = op.pad_left = 0;
    }
    const int32_t input0 = slot_of(info.input0, k);
    const int32_t input1 = info.input1 == kNoTensor ? -1 : slot_of(info.input1, k);
    if (input0 < 0 || (info.input1 != kNoTensor && input1 < 0)) {
      *bad_op = k;
      return false;
    }
    op.input0 = static_cast<int8_t>(input0);
    op.input1 = static_cast<int8_t>(input1);
    const Shape output = model.tensor(info.output).shape;
    op.output_h = static_cast<uint16_t>(output.h);
    op.output_w = static_cast<uint16_t>(output.w);
    op.output_c = static_cast<uint16_t>(output.c);
  }
  return true;
}

// What the whole stage needs, over all grid x grid patches.
struct PatchStageNeeds {
  uint32_t region_bytes[kMaxPatchStageOps + 1];  // per slot: the largest region a patch holds
  uint32_t op_scratch[kMaxPatchStageOps];        // per op: the largest gather window
  // Per op: output elements computed over all patches (>= the tensor's elements; the excess is
  // the overlap the patches recompute).
  int64_t computed_elements[kMaxPatchStageOps];
};
void patch_stage_needs(const PatchStage& stage, PatchStageNeeds* needs);

// The split output may share arena bytes with the stage input (MCUNetV2 writes the split layer's
// output while the input is consumed): patches run row of tiles by row of tiles, so once a row
// of tiles has been computed, the input rows above those the later rows read are dead. With the
// input at `input_offset` and the split output at `split_offset` (whole tensors, the input read
// by nothing after the stage), true when every row of tiles writes its split-output rows (whole
// rows, conservatively) only on bytes of input rows that no patch of this or a later row of tiles
// reads.
bool split_output_may_overlap_input(const PatchStage& stage, uint32_t input_offset,
                                    uint32_t split_offset);
// The fewest bytes the split output must start below the input for that: the largest excess of
// a row of tiles' split-output rows over the input rows that are dead by then (0 if none).
uint32_t split_output_lead_bytes(const PatchStage& stage);

}  // namespace tinynas::runtime
