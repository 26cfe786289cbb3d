// Elementwise add, DSP path (replaces engine/runtime/add_s8.cpp in Cortex-M4/M7 images).
// Bit-exact with the plain kernel.
//
// TFLite's ADD does three requantizations per element (each input to a common scale, the sum to
// the output); in the plain kernel each is a 64-bit multiply with two branchy roundings, about 30
// instructions. Their operands are small, though: an input is (x + offset) << left_shift with
// |x + offset| <= 255, and the sum of two such values scaled down. With left_shift <= 22 the
// doubled operand fits an int32 and the input rescale is SMMULR plus the ties-away rounding of
// requantize_bounded_dsp.h; the output rescale takes the bounded path of the same header when the
// sum's bound allows it. Four outputs are clamped at once (SSUB8/SEL). Parameters outside those
// bounds, and the size % 4 last elements, take the plain arithmetic (add_element.h).
#include <string.h>

#include "engine/runtime/add_element.h"
#include "engine/runtime/kernels.h"
#include "firmware/kernels/requantize_bounded_dsp.h"

namespace tinynas::runtime {

namespace {

namespace dsp = firmware::dsp;

constexpr int32_t kMaxInputMagnitude = 255;   // |x + offset| for int8 x, offset in [-127, 128]
constexpr int32_t kMaxBoundedLeftShift = 22;  // 255 << 23 < 2^31
constexpr int32_t kMaxRoundingShift = 30;

// One input's rescale: SRDHM((x + offset) << left_shift, multiplier), then the ties-away division
// by 2^right_shift.
struct InputRescale {
  int32_t offset;
  int32_t doubled_left_shift;  // left_shift + 1: SMMULR's doubling folded in
  int32_t multiplier;
  int32_t right_shift;  // [0, kMaxRoundingShift]
  int32_t nudge;        // 2^(right_shift - 1), or 0
};

inline int32_t rescale(int32_t x, const InputRescale& r) {
  const uint32_t shifted = static_cast<uint32_t>(x + r.offset) << r.doubled_left_shift;
  const int32_t high = dsp::smmulr(static_cast<int32_t>(shifted), r.multiplier);
  if (r.right_shift == 0) return high;
  return (high + r.nudge - static_cast<int32_t>(static_cast<uint32_t>(high) >> 31)) >>
         r.right_shift;
}

bool make_input_rescale(int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift,
                        InputRescale& out) {
  if (left_shift > kMaxBoundedLeftShift || shift > 0 || -shift > kMaxRoundingShift) return false;
  out.offset = offset;
  out.doubled_left_shift = left_shift + 1;
  out.multiplier = multiplier;
  out.right_shift = -shift;
  out.nudge = out.right_shift > 0 ? int32_t{1} << (out.right_shift - 1) : 0;
  return true;
}

}  // namespace

void add_s8(const AddParams& params, const int8_t* input0, const int8_t* input1, int8_t* output,
            int32_t size) {
  InputRescale r0, r1;
  dsp::BoundedRequant out;
  // |scaled_i| <= |(x + offset) << left_shift| (the multiplier is below 1), plus the rounding.
  const int64_t sum_bound =
      2 * ((static_cast<int64_t>(kMaxInputMagnitude) << params.left_shift) + 1);
  const bool bounded = make_input_rescale(params.input0_offset, params.left_shift,
                                          params.input0_multiplier, params.input0_shift, r0) &&
                       make_input_rescale(params.input1_offset, params.left_shift,
                                          params.input1_multiplier, params.input1_shift, r1) &&
                       dsp::make_bounded_requant(params.output_multiplier, params.output_shift,
                                                 params.output_offset, sum_bound, out);
  // Elements i..i+3 are read before they are written and nothing else is read afterwards, so the
  // output may alias either input (as in the plain kernel).
  int32_t i = 0;
  if (bounded) {
    const uint32_t lo = (static_cast<uint32_t>(params.activation_min) & 0xFFu) * 0x01010101u;
    const uint32_t hi = (static_cast<uint32_t>(params.activation_max) & 0xFFu) * 0x01010101u;
    const dsp::ActivationRange4 range{lo, hi};
    for (; i + 4 <= size; i += 4) {
      int32_t v[4];
      for (int32_t j = 0; j < 4; ++j) {
        v[j] = dsp::bounded_scale_to_int8(rescale(input0[i + j], r0) + rescale(input1[i + j], r1),
                                          out);
      }
      const uint32_t word = dsp::clamp_int8x4(dsp::pack_int8x4(v[0], v[1], v[2], v[3]), range);
      memcpy(output + i, &word, sizeof(word));  // an unaligned STR: allowed on ARMv7-M
    }
  }
  for (; i < size; ++i) output[i] = add_s8_element(params, input0[i], input1[i]);
}

}  // namespace tinynas::runtime
