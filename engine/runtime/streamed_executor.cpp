#include "engine/runtime/streamed_executor.h"

#include <string.h>

#include "engine/runtime/depthwise_row.h"
#include "engine/runtime/kernel_params.h"
#include "engine/runtime/kernels.h"
#include "engine/runtime/streamed_geometry.h"

namespace tinynas::runtime {
namespace {

// One tensor of the stage as the arena holds it: whole, or a ring of `ring_rows` rows.
struct StoredRows {
  int8_t* base = nullptr;
  int32_t row_bytes = 0;
  int32_t ring_rows = 0;  // 0: whole
  int8_t* row(int32_t r) const { return base + (ring_rows == 0 ? r : r % ring_rows) * row_bytes; }
  // Rows [begin, end) follow each other in memory.
  bool contiguous(int32_t begin, int32_t end) const {
    return ring_rows == 0 || begin % ring_rows + (end - begin) <= ring_rows;
  }
};

class StreamedStageRunner {
 public:
  StreamedStageRunner(const ModelView& model, uint16_t first, uint16_t count, uint8_t* arena,
                      int8_t* scratch)
      : model_(model), first_(first), arena_(arena), scratch_(scratch) {
    describe_streamed_stage(model_, first, count, ops_, &stage_);
  }

  void run() {
    StreamedRowOrder<StreamedStageRunner> order(stage_, *this);
    order.run();
  }

  // Computes row `row` of stage op k (StreamedRowOrder has made its input rows available).
  void operator()(int32_t k, int32_t row) {
    const OpInfo op = model_.op(static_cast<uint16_t>(first_ + k));
    const TensorInfo output = model_.tensor(op.output);
    int8_t* out = stored(op.output).row(row);
    if (op.kind == OpKind::kAdd) {
      const AddParams params =
          add_params(op, model_.tensor(op.input0), model_.tensor(op.input1), output);
      add_s8(params, stored(op.input0).row(row), stored(op.input1).row(row), out,
             static_cast<int32_t>(output.row_bytes()));
      return;
    }
    const TensorInfo input = model_.tensor(op.input0);
    if (!ops_[k].windowed) {  // pointwise: one row of pixels
      run_conv(op, make_shape(1, input.shape.w, input.shape.c), stored(op.input0).row(row),
               conv_params(op, input, output), output, out);
      return;
    }
    const StoredRows in = stored(op.input0);
    if (op.kind == OpKind::kDepthwiseConv2d && in.ring_rows > 0) {
      run_depthwise_from_ring(op, input, output, in, row, out);
      return;
    }
    const RowSpan rows = rows_read(ops_[k], row, input.shape.h);
    const int8_t* window = in.row(rows.begin);
    if (!in.contiguous(rows.begin, rows.end)) {  // the window wraps around the ring's end
      for (int32_t r = rows.begin; r < rows.end; ++r) {
        memcpy(scratch_ + (r - rows.begin) * in.row_bytes, in.row(r),
               static_cast<size_t>(in.row_bytes));
      }
      window = scratch_;
    }
    // The kernel sees the window's rows as its whole input, padded above by what lies above
    // the tensor's first row; the rows below are the tensor's own border.
    const int32_t pad_top = rows.begin - (row * op.stride_h - op.pad_top);
    const Shape window_shape = make_shape(rows.end - rows.begin, input.shape.w, input.shape.c);
    const Shape output_row = make_shape(1, output.shape.w, output.shape.c);
    if (op.kind == OpKind::kAveragePool2d || op.kind == OpKind::kMaxPool2d) {
      PoolParams params = pool_params(op);
      params.pad_top = pad_top;
      if (op.kind == OpKind::kAveragePool2d) {
        avgpool_s8(params, window_shape, window, output_row, out);
      } else {
        maxpool_s8(params, window_shape, window, output_row, out);
      }
      return;
    }
    ConvParams params = conv_params(op, input, output);
    params.pad_top = pad_top;
    run_conv(op, window_shape, window, params, output, out);
  }

 private:
  StoredRows stored(uint16_t tensor) const {
    const TensorInfo info = model_.tensor(tensor);
    StoredRows rows;
    rows.base = reinterpret_cast<int8_t*>(arena_ + info.offset);
    rows.row_bytes = static_cast<int32_t>(info.row_bytes());
    rows.ring_rows = info.storage == Storage::kRing ? info.ring_rows : 0;
    return rows;
  }

  // One output row of a depthwise convolution whose input rows are in a ring: read where they
  // are (depthwise_row.h, the plain depthwise kernel's arithmetic), without gathering.
  void run_depthwise_from_ring(const OpInfo& op, const TensorInfo& input, const TensorInfo& output,
                               const StoredRows& in, int32_t row, int8_t* out) const {
    const TensorInfo weights = model_.tensor(op.weights);
    const ConvStage depthwise{conv_params(op, input, output),
                              PerChannelQuantization{model_.constant_int32(op.multiplier_offset),
                                                     model_.constant_int32(op.shift_offset)},
                              weights.shape, model_.constant_int8(weights.offset),
                              model_.constant_int32(op.bias_offset)};
    const WindowSpan rows =
        window_span(row, op.stride_h, op.pad_top, weights.shape.h, input.shape.h);
    const int8_t* window_rows[kMaxKernelSize];
    for (int32_t ky = rows.begin; ky < rows.end; ++ky) window_rows[ky] = in.row(rows.origin + ky);
    depthwise_row_s8(depthwise, window_rows, rows, input.shape.w, output.shape.w, input.shape.c,
                     output.shape.c, out);
  }

  // One output row of a convolution or depthwise convolution with the op-by-op kernel.
  void run_conv(const OpInfo& op, const Shape& input_shape, const int8_t* input,
                const ConvParams& params, const TensorInfo& output, int8_t* out) const {
    const TensorInfo weights = model_.tensor(op.weights);
    const PerChannelQuantization quant{model_.constant_int32(op.multiplier_offset),
                                       model_.constant_int32(op.shift_offset)};
    const int8_t* filter = model_.constant_int8(weights.offset);
    const int32_t* bias = model_.constant_int32(op.bias_offset);
    const Shape output_row = make_shape(1, output.shape.w, output.shape.c);
    if (op.kind == OpKind::kDepthwiseConv2d) {
      depthwise_conv2d_s8(params, quant, input_shape, input, weights.shape, filter, bias,
                          output_row, out);
    } else if (is_pointwise_conv(op)) {
      conv2d_1x1_s8(params, quant, input_shape, input, weights.shape, filter, bias, output_row,
                    out);
    } else {
      conv2d_s8(params, quant, input_shape, input, weights.shape, filter, bias, output_row, out);
    }
  }

  const ModelView& model_;
  uint16_t first_;
  uint8_t* arena_;
  int8_t* scratch_;
  StreamedStageOp ops_[kMaxStreamedStageOps];
  StreamedStage stage_;
};

}  // namespace

void run_streamed_stage(const ModelView& model, uint16_t first, uint16_t count, uint8_t* arena,
                        int8_t* scratch) {
  StreamedStageRunner(model, first, count, arena, scratch).run();
}

uint16_t streamed_stage_length(const ModelView& model, uint16_t first) {
  uint16_t count = 1;
  while (first + count < model.op_count()) {
    const OpInfo next = model.op(static_cast<uint16_t>(first + count));
    if (!next.streamed() || next.stream_start()) break;
    ++count;
  }
  return count;
}

}  // namespace tinynas::runtime
