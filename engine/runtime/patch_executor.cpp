#include "engine/runtime/patch_executor.h"

#include "engine/runtime/kernel_params.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/patch_geometry.h"

namespace tinynas::runtime {
namespace {

// A tensor's bytes for the current patch: `region` of the whole tensor, stored row-major with
// `row_stride` bytes between rows (the region's own width, or the whole tensor's for tensors
// that are whole in the arena).
struct RegionData {
  int8_t* base;  // element (region.y0, region.x0)
  Region region;
  int32_t row_stride;
  int32_t channels;
  int8_t* at(int32_t y, int32_t x) const {
    return base + (y - region.y0) * row_stride + (x - region.x0) * channels;
  }
  // Rows of `cols` columns starting at column x follow each other without gaps.
  bool contiguous_from(int32_t x, int32_t cols) const {
    return x == region.x0 && cols * channels == row_stride;
  }
};

class PatchStageRunner {
 public:
  PatchStageRunner(const ModelView& model, uint8_t* arena, int8_t* scratch)
      : model_(model), arena_(arena), scratch_(scratch) {}

  void run() {
    PatchStageOp ops[kMaxPatchStageOps];
    uint16_t bad_op = 0;
    // The validator has described this stage successfully already.
    describe_patch_stage(model_, model_.input_tensor(), model_.patch_split(), model_.patch_grid(),
                         ops, &stage_, &bad_op);
    for (int32_t row = 0; row < stage_.grid; ++row) {
      for (int32_t col = 0; col < stage_.grid; ++col) {
        patch_regions(stage_, row, col, regions_);
        for (int32_t k = 0; k < stage_.op_count; ++k) run_op(static_cast<uint16_t>(k));
      }
    }
  }

 private:
  // Slot `slot` (tensor `tensor`) as stored during the current patch.
  RegionData slot_data(int32_t slot, uint16_t tensor) const {
    const TensorInfo info = model_.tensor(tensor);
    int8_t* base = reinterpret_cast<int8_t*>(arena_ + info.offset);
    const Region stored = stored_region(stage_, regions_, slot);
    return RegionData{base, stored, stored.cols() * info.shape.c, info.shape.c};
  }

  // Where op k writes its output region: the split output is whole in the arena, every other
  // stage tensor is its region alone.
  RegionData output_data(uint16_t k, uint16_t tensor) const {
    const TensorInfo info = model_.tensor(tensor);
    int8_t* base = reinterpret_cast<int8_t*>(arena_ + info.offset);
    const Region& region = regions_[k + 1];
    if (k + 1 < stage_.op_count) {
      return RegionData{base, region, region.cols() * info.shape.c, info.shape.c};
    }
    const Region whole{0, info.shape.h, 0, info.shape.w};
    return RegionData{base, whole, info.shape.w * info.shape.c, info.shape.c};
  }

  ConvParams conv_params(const OpInfo& op) const {
    return runtime::conv_params(op, model_.tensor(op.input0), model_.tensor(op.output));
  }

  void run_op(uint16_t k) {
    const Region& output_region = regions_[k + 1];
    if (output_region.empty()) return;  // no reader in this patch needs any of it
    const OpInfo op = model_.op(k);
    const PatchStageOp& geometry = stage_.ops[k];
    const RegionData output = output_data(k, op.output);
    const RegionData input0 = slot_data(geometry.input0, op.input0);
    if (op.kind == OpKind::kAdd) {
      run_add(op, output_region, input0, slot_data(geometry.input1, op.input1), output);
    } else if (geometry.windowed()) {
      run_windowed(op, geometry, output_region, input0, output);
    } else {
      run_pointwise(op, output_region, input0, output);
    }
  }

  void run_add(const OpInfo& op, const Region& out, const RegionData& input0,
               const RegionData& input1, const RegionData& output) const {
    const AddParams params = add_params(op, model_.tensor(op.input0), model_.tensor(op.input1),
                                        model_.tensor(op.output));
    const int32_t cols = out.cols();
    if (input0.contiguous_from(out.x0, cols) && input1.contiguous_from(out.x0, cols) &&
        output.contiguous_from(out.x0, cols)) {
      add_s8(params, input0.at(out.y0, out.x0), input1.at(out.y0, out.x0),
             output.at(out.y0, out.x0), out.rows() * cols * output.channels);
      return;
    }
    for (int32_t y = out.y0; y < out.y1; ++y) {
      add_s8(params, input0.at(y, out.x0), input1.at(y, out.x0), output.at(y, out.x0),
             cols * output.channels);
    }
  }

  void run_pointwise(const OpInfo& op, const Region& out, const RegionData& input,
                     const RegionData& output) const {
    const TensorInfo weights = model_.tensor(op.weights);
    const PerChannelQuantization quant{model_.constant_int32(op.multiplier_offset),
                                       model_.constant_int32(op.shift_offset)};
    const ConvParams params = conv_params(op);
    const int8_t* filter = model_.constant_int8(weights.offset);
    const int32_t* bias = model_.constant_int32(op.bias_offset);
    const int32_t cols = out.cols();
    const bool whole = input.contiguous_from(out.x0, cols) && output.contiguous_from(out.x0, cols);
    const int32_t rows_per_call = whole ? out.rows() : 1;
    for (int32_t y = out.y0; y < out.y1; y += rows_per_call) {
      conv2d_1x1_s8(params, quant, make_shape(rows_per_call, cols, input.channels),
                    input.at(y, out.x0), weights.shape, filter, bias,
                    make_shape(rows_per_call, cols, output.channels), output.at(y, out.x0));
    }
  }

  // Output rows [y0, y1) of a conv2d_s8 / depthwise window, read straight from the stored
  // input (pointer at the window's first row and column, the stored row width as the kernel's
  // width: it clips the window at the stored region's end, which is the tensor's border
  // wherever the window crosses it) or from a gathered copy in scratch.
  void run_windowed(const OpInfo& op, const PatchStageOp& geometry, const Region& out,
                    const RegionData& input, const RegionData& output) const {
    const Shape input_shape = stage_.slot_shape(geometry.input0);
    const WindowRead all_rows =
        window_read(geometry, input_shape, input.region, out.y0, out.y1, out.x0, out.x1);
    const bool whole = !all_rows.gather && output.contiguous_from(out.x0, out.cols());
    const int32_t rows_per_call = whole ? out.rows() : 1;
    for (int32_t y = out.y0; y < out.y1; y += rows_per_call) {
      const WindowRead window =
          window_read(geometry, input_shape, input.region, y, y + rows_per_call, out.x0, out.x1);
      const int8_t* data = input.at(window.read.y0, window.read.x0);
      Shape shape =
          make_shape(input.region.y1 - window.read.y0, input.region.cols(), input.channels);
      if (window.gather) {
        gather(input, window.read);
        data = scratch_;
        shape = make_shape(window.read.rows(), window.read.cols(), input.channels);
      }
      run_window_kernel(op, window, shape, data,
                        make_shape(rows_per_call, out.cols(), output.channels),
                        output.at(y, out.x0));
    }
  }

  void gather(const RegionData& input, const Region& read) const {
    const int32_t row_bytes = read.cols() * input.channels;
    int8_t* to = scratch_;
    for (int32_t y = read.y0; y < read.y1; ++y) {
      const int8_t* from = input.at(y, read.x0);
      for (int32_t b = 0; b < row_bytes; ++b) to[b] = from[b];
      to += row_bytes;
    }
  }

  void run_window_kernel(const OpInfo& op, const WindowRead& window, const Shape& input_shape,
                         const int8_t* input, const Shape& output_shape, int8_t* output) const {
    const TensorInfo weights = model_.tensor(op.weights);
    const PerChannelQuantization quant{model_.constant_int32(op.multiplier_offset),
                                       model_.constant_int32(op.shift_offset)};
    ConvParams params = conv_params(op);
    params.pad_top = window.pad_top;
    params.pad_left = window.pad_left;
    const int8_t* filter = model_.constant_int8(weights.offset);
    const int32_t* bias = model_.constant_int32(op.bias_offset);
    if (op.kind == OpKind::kDepthwiseConv2d) {
      depthwise_conv2d_s8(params, quant, input_shape, input, weights.shape, filter, bias,
                          output_shape, output);
    } else {
      conv2d_s8(params, quant, input_shape, input, weights.shape, filter, bias, output_shape,
                output);
    }
  }

  const ModelView& model_;
  uint8_t* arena_;
  int8_t* scratch_;
  PatchStage stage_;
  Region regions_[kMaxPatchStageOps + 1];
};

}  // namespace

void run_patch_stage(const ModelView& model, uint8_t* arena, int8_t* scratch) {
  PatchStageRunner(model, arena, scratch).run();
}

}  // namespace tinynas::runtime
