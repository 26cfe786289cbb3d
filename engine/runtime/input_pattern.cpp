#include "engine/runtime/input_pattern.h"

namespace tinynas::runtime {

namespace {
constexpr uint32_t kZeroSeedReplacement = 0x9E3779B9u;  // 2^32 / golden ratio
}  // namespace

void fill_pseudo_random_s8(int8_t* destination, uint32_t size, uint32_t seed) {
  uint32_t state = seed != 0 ? seed : kZeroSeedReplacement;
  for (uint32_t i = 0; i < size; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    destination[i] = static_cast<int8_t>(static_cast<uint8_t>(state & 0xFFu));
  }
}

}  // namespace tinynas::runtime
