// Packed 16-bit helpers for the Cortex-M4/M7 DSP extension (ARMv7E-M SIMD32: SXTB16, SADD16,
// SMLAD, SMLABB/SMLATT), the building blocks of the *_dsp kernels. As in CMSIS-NN, four int8
// values loaded as one word are split by SXTB16 into the even pair (bytes 0, 2) and the odd pair
// (bytes 1, 3) of sign-extended int16; input and weights are split the same way, so SMLAD
// multiplies matching elements. The int32 accumulators wrap exactly like the plain kernels'
// (the validator bounds them), which keeps every result bit-exact.
#pragma once

#include <arm_acle.h>
#include <stdint.h>
#include <string.h>

#if !defined(__ARM_FEATURE_SIMD32) || !defined(__ARM_FEATURE_DSP)
#error "the *_dsp kernels need the ARMv7E-M DSP extension (Cortex-M4/M7)"
#endif

namespace tinynas::firmware::dsp {

inline int8x4_t load_int8x4(const int8_t* p) {
  int8x4_t value;
  memcpy(&value, p, sizeof(value));  // an unaligned LDR: allowed on ARMv7-M
  return value;
}

inline int16x2_t even_pair(int8x4_t value) { return __sxtb16(value); }

inline int16x2_t odd_pair(int8x4_t value) {
  int16x2_t result;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(result) : "r"(value));
  return result;
}

// Both 16-bit lanes hold `offset` (the input offset, in [-127, 128]).
inline int16x2_t splat_offset(int32_t offset) {
  const uint32_t lane = static_cast<uint32_t>(offset) & 0xFFFFu;
  return static_cast<int16x2_t>(lane | (lane << 16));
}

// `low` and `high` (each fitting int16) as the two lanes (PKHBT).
inline int16x2_t pack_pair(int32_t low, int32_t high) {
  return static_cast<int16x2_t>((static_cast<uint32_t>(low) & 0xFFFFu) |
                                (static_cast<uint32_t>(high) << 16));
}

inline int32_t smlabb(int16x2_t a, int16x2_t b, int32_t acc) {
  int32_t result;
  __asm__("smlabb %0, %1, %2, %3" : "=r"(result) : "r"(a), "r"(b), "r"(acc));
  return result;
}

inline int32_t smlatt(int16x2_t a, int16x2_t b, int32_t acc) {
  int32_t result;
  __asm__("smlatt %0, %1, %2, %3" : "=r"(result) : "r"(a), "r"(b), "r"(acc));
  return result;
}

}  // namespace tinynas::firmware::dsp
