// Raw int8 dot products, 4 elements per step with SMLAD: the pointwise convolution's row sums and
// its odd last pixel (the other kernels add the input offset while unpacking, offset_pairs_dsp.h).
//
// The input offset is not added per element: sum((x + offset) * w) = sum(x * w) +
// offset * sum(w), an identity in the wrapping int32 arithmetic the accumulators use, so the
// caller folds offset * sum(w) into the start value once per weight row (see row_sum) and the
// inner loop is SXTB16 + SMLAD only. Results are bit-exact with the plain kernels.
#pragma once

#include <stdint.h>

#include "firmware/kernels/simd32_dsp.h"

namespace tinynas::firmware::dsp {

inline constexpr int32_t kElementsPerWord = 4;

// sum of a weight row, for the offset term.
inline int32_t row_sum(const int8_t* w, int32_t depth) {
  const int16x2_t ones = static_cast<int16x2_t>(0x00010001);
  int32_t sum = 0;
  int32_t k = 0;
  for (; k + kElementsPerWord <= depth; k += kElementsPerWord) {
    const int8x4_t word = load_int8x4(w + k);
    sum = __smlad(even_pair(word), ones, sum);
    sum = __smlad(odd_pair(word), ones, sum);
  }
  for (; k < depth; ++k) sum += w[k];
  return sum;
}

// One input row x two weight rows (the odd last pixel).
inline void dot_1x2(const int8_t* x, const int8_t* w0, const int8_t* w1, int32_t depth,
                    int32_t& acc0, int32_t& acc1) {
  int32_t a0 = acc0, a1 = acc1;
  int32_t k = 0;
  for (; k + kElementsPerWord <= depth; k += kElementsPerWord) {
    const int8x4_t xw = load_int8x4(x + k);
    const int8x4_t wa = load_int8x4(w0 + k);
    const int8x4_t wb = load_int8x4(w1 + k);
    const int16x2_t x_even = even_pair(xw), x_odd = odd_pair(xw);
    a0 = __smlad(x_even, even_pair(wa), a0);
    a1 = __smlad(x_even, even_pair(wb), a1);
    a0 = __smlad(x_odd, odd_pair(wa), a0);
    a1 = __smlad(x_odd, odd_pair(wb), a1);
  }
  for (; k < depth; ++k) {
    a0 += x[k] * w0[k];
    a1 += x[k] * w1[k];
  }
  acc0 = a0;
  acc1 = a1;
}

// One input row x one weight row (remainders).
inline int32_t dot_1x1(const int8_t* x, const int8_t* w, int32_t depth, int32_t acc) {
  int32_t k = 0;
  for (; k + kElementsPerWord <= depth; k += kElementsPerWord) {
    const int8x4_t xw = load_int8x4(x + k);
    const int8x4_t ww = load_int8x4(w + k);
    acc = __smlad(even_pair(xw), even_pair(ww), acc);
    acc = __smlad(odd_pair(xw), odd_pair(ww), acc);
  }
  for (; k < depth; ++k) acc += x[k] * w[k];
  return acc;
}

}  // namespace tinynas::firmware::dsp
