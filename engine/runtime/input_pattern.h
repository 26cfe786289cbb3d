// Deterministic input patterns, shared by the firmware runner and the host so that a board run and
// a host run of the same model see the same input bytes without uploading them.
#pragma once

#include <stdint.h>

namespace tinynas::runtime {

// xorshift32 (Marsaglia, "Xorshift RNGs", J. Stat. Software 8(14), 2003), one byte per step
// (the low byte of the state). Seed 0 is replaced by a fixed non-zero value, since xorshift
// never leaves the all-zero state.
void fill_pseudo_random_s8(int8_t* destination, uint32_t size, uint32_t seed);

}  // namespace tinynas::runtime
