// Dot products of int8 rows with the input offset added to one side, computed 4 elements per
// step with SMLAD: shared by the pointwise convolution and the fully connected kernel (both are
// matrix products of input rows with weight rows). Blocks of 2 rows x 2 weight rows reuse every
// unpacked word twice, which is where the DSP path wins over the plain loops.
#pragma once

#include <stdint.h>

#include "firmware/kernels/simd32_dsp.h"

namespace tinynas::firmware::dsp {

inline constexpr int32_t kElementsPerWord = 4;

// acc[r][o] += sum_k (in_r[k] + offset) * w_o[k] for R input rows and O weight rows (1 or 2).
template <int R, int O>
inline void dot_block(const int8_t* const (&in)[R], const int8_t* const (&w)[O], int32_t depth,
                      int32_t offset, int32_t (&acc)[R][O]) {
  const int16x2_t offset2 = splat_offset(offset);
  int32_t k = 0;
  for (; k + kElementsPerWord <= depth; k += kElementsPerWord) {
    int16x2_t w_even[O], w_odd[O];
    for (int o = 0; o < O; ++o) {
      const int8x4_t word = load_int8x4(w[o] + k);
      w_even[o] = even_pair(word);
      w_odd[o] = odd_pair(word);
    }
    for (int r = 0; r < R; ++r) {
      const int8x4_t word = load_int8x4(in[r] + k);
      const int16x2_t in_even = __sadd16(even_pair(word), offset2);
      const int16x2_t in_odd = __sadd16(odd_pair(word), offset2);
      for (int o = 0; o < O; ++o) {
        acc[r][o] = __smlad(in_even, w_even[o], acc[r][o]);
        acc[r][o] = __smlad(in_odd, w_odd[o], acc[r][o]);
      }
    }
  }
  for (; k < depth; ++k) {
    for (int r = 0; r < R; ++r) {
      for (int o = 0; o < O; ++o) {
        acc[r][o] += (static_cast<int32_t>(in[r][k]) + offset) * static_cast<int32_t>(w[o][k]);
      }
    }
  }
}

}  // namespace tinynas::firmware::dsp
