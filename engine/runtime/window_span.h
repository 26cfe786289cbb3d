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

// The input rows a row-streaming kernel (one that keeps a ring of kernel_h input rows) brings
// in, window by window: each row once, in order, and none above a window (when the stride is
// larger than the kernel) or below the input.
class RowStream {
 public:
  RowStream(int32_t kernel_h, int32_t input_h) : kernel_h_(kernel_h), input_h_(input_h) {}

  // Rows [first, end) to bring in before the window whose tap 0 is at input row `origin`.
  struct Rows {
    int32_t first;
    int32_t end;
  };
  Rows rows_for_window(int32_t origin) {
    const int32_t first = max_i32(next_, origin);
    const int32_t end = min_i32(input_h_, origin + kernel_h_);
    next_ = max_i32(first, end);
    return {first, end};
  }

  // Ring slot (0 .. kernel_h - 1) of input row `row`.
  int32_t slot(int32_t row) const { return row % kernel_h_; }

 private:
  int32_t kernel_h_;
  int32_t input_h_;
  int32_t next_ = 0;  // the first row not brought in yet
};

}  // namespace tinynas::runtime
