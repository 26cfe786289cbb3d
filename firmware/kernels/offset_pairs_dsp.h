// Input values with the input offset already added, as int16 pairs: the unpacking step of the
// kernels whose input words feed several weight rows (fully connected, the im2col of the general
// convolution, the pointwise pixel pairs). SXTAB16 sign-extends two bytes and adds them to the
// two 16-bit lanes of the offset pair in one instruction, so adding the offset costs nothing over
// a plain SXTB16 and no weight row has to be summed to fold it in afterwards. x + offset lies in
// [-255, 255] for int8 x and an offset in [-127, 128], so every lane is exact.
#pragma once

#include <stdint.h>

#include "firmware/kernels/simd32_dsp.h"

namespace tinynas::firmware::dsp {

// Four consecutive inputs (bytes 0..3 of a word) plus the offset: (x0, x2) and (x1, x3), the
// lanes SXTB16 gives a weight word, so SMLAD multiplies matching elements.
struct OffsetPairs {
  int16x2_t even;
  int16x2_t odd;
};

inline int16x2_t even_pair_plus(int16x2_t offset, int8x4_t value) {
  return __sxtab16(offset, value);
}

inline int16x2_t odd_pair_plus(int16x2_t offset, int8x4_t value) {
  int16x2_t result;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(result) : "r"(offset), "r"(value));
  return result;
}

inline OffsetPairs offset_pairs(int16x2_t offset, int8x4_t value) {
  return OffsetPairs{even_pair_plus(offset, value), odd_pair_plus(offset, value)};
}

}  // namespace tinynas::firmware::dsp
