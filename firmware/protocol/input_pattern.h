// The RUN input pattern for InputMode::kPseudoRandom: the runtime's xorshift32 byte pattern
// (engine/runtime/input_pattern.h), so the host engine can regenerate the exact input and
// compare outputs bit for bit.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "engine/runtime/input_pattern.h"

namespace tinynas::firmware::protocol {

inline void fill_pseudo_random(uint8_t* data, size_t size, uint32_t seed) {
  runtime::fill_pseudo_random_s8(reinterpret_cast<int8_t*>(data), static_cast<uint32_t>(size),
                                 seed);
}

}  // namespace tinynas::firmware::protocol
