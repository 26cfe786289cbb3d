// How the benches that boot boards profile a model: one inference on pseudo-random input of a
// given seed, its output checked against the host engine.
#pragma once

#include <stdint.h>

#include "profiler/profile.h"

namespace tinynas::bench {

inline profiler::ProfileOptions one_inference(uint32_t input_seed) {
  profiler::ProfileOptions profile;
  profile.runs = 1;
  profile.seed = input_seed;
  return profile;
}

}  // namespace tinynas::bench
