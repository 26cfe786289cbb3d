// CRC-32 as used by IEEE 802.3, zlib and PNG: reflected polynomial 0xEDB88320, initial value
// and final XOR 0xFFFFFFFF. Incremental, so a model file (or a serial frame) can be checked as
// it arrives in chunks. Freestanding: a 16-entry nibble table (64 bytes), no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tinynas::runtime {

// Running state of a CRC computation: crc32_final(crc32_update(crc32_init(), data, n)).
uint32_t crc32_init();
uint32_t crc32_update(uint32_t state, const uint8_t* data, size_t size);
uint32_t crc32_final(uint32_t state);

// One-shot CRC-32 of a whole buffer ("123456789" -> 0xCBF43926).
uint32_t crc32(const uint8_t* data, size_t size);

}  // namespace tinynas::runtime
