// Where a sliding window meets the input, shared by every windowed kernel (plain and DSP).
#pragma once

#include <stdint.h>

#include "engine/runtime/arithmetic.h"

namespace tinynas::runtime {

// One axis of the window of output position `out`: the input coordinate of kernel tap 0 (may be
// negative) and the taps [begin, end) that fall inside the input. Padded cells contribute
// nothing, so the window is clipped to the input instead of read.
struct WindowSpan {
  int32_t origin;
  int32_t begin;
  int32_t end;
};

inline WindowSpan window_span(int32_t out, int32_t stride, int32_t pad_before, int32_t kernel,
                              int32_t input_extent) {
  const int32_t origin = out * stride - pad_before;
  return {origin, max_i32(0, -origin), min_i32(kernel, input_extent - origin)};
}

// The ring of kernel_h input rows a row-streaming kernel keeps in its scratch (in-place
// depthwise, fused inverted residual): input row r lives in slot r % kernel_h. Rows come in
// window by window, each once and in order, none above a window (when the stride is larger than
// the kernel) or below the input; a row is evicted only once no later window reads it.
class RowRing {
 public:
  RowRing(int8_t* ring, int32_t row_bytes, int32_t kernel_h, int32_t input_h)
      : ring_(ring), row_bytes_(row_bytes), kernel_h_(kernel_h), input_h_(input_h) {}

  // The window of output row `out_y`: brings in the input rows it needs that the ring does not
  // hold yet (`fill(row, slot)` writes input row `row` into `slot`), points window_rows[ky] at
  // the slot of each kernel row inside the input, and returns the window's rows.
  template <typename Fill>
  WindowSpan window(int32_t out_y, int32_t stride, int32_t pad_before, const int8_t** window_rows,
                    Fill fill) {
    const WindowSpan rows = window_span(out_y, stride, pad_before, kernel_h_, input_h_);
    const int32_t first = max_i32(next_row_, rows.origin);
    const int32_t end = min_i32(input_h_, rows.origin + kernel_h_);
    for (int32_t row = first; row < end; ++row) fill(row, slot(row));
    next_row_ = max_i32(first, end);
    for (int32_t ky = rows.begin; ky < rows.end; ++ky) window_rows[ky] = slot(rows.origin + ky);
    return rows;
  }

 private:
  int8_t* slot(int32_t row) const { return ring_ + (row % kernel_h_) * row_bytes_; }

  int8_t* ring_;
  int32_t row_bytes_;
  int32_t kernel_h_;
  int32_t input_h_;
  int32_t next_row_ = 0;  // the first input row not brought in yet
};

}  // namespace tinynas::runtime
