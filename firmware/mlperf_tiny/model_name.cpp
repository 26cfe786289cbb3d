#include "firmware/mlperf_tiny/model_name.h"

namespace tinynas::firmware::mlperf_tiny {

void crc_model_name(uint32_t crc, char (&name)[kModelNameSize]) {
  static const char kHex[] = "0123456789abcdef";
  static const char kPrefix[] = "tnm-";
  size_t at = 0;
  for (; kPrefix[at] != '\0'; ++at) name[at] = kPrefix[at];
  for (int shift = 28; shift >= 0; shift -= 4) name[at++] = kHex[(crc >> shift) & 0xF];
  name[at] = '\0';
}

}  // namespace tinynas::firmware::mlperf_tiny
