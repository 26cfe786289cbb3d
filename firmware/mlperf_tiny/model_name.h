// How the MLPerf Tiny side names a tinynas model (m-model-[...]) when the build gives it no
// name of its own: "tnm-" and the model file's CRC-32 in eight lower-case hex digits.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::firmware::mlperf_tiny {

inline constexpr size_t kModelNameSize = 16;  // with the terminating NUL

void crc_model_name(uint32_t crc, char (&name)[kModelNameSize]);

}  // namespace tinynas::firmware::mlperf_tiny
