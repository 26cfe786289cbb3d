#include "engine/runtime/crc32.h"

namespace tinynas::runtime {
namespace {

constexpr uint32_t kReflectedPolynomial = 0xEDB88320u;
constexpr uint32_t kInitialValue = 0xFFFFFFFFu;
constexpr uint32_t kFinalXor = 0xFFFFFFFFu;
constexpr int kNibbleBits = 4;
constexpr uint32_t kNibbleMask = 0xFu;
constexpr int kNibbleTableSize = 16;

// Table entry n is the CRC remainder of the 4-bit value n: the usual byte-wise table folded to
// half a byte, which keeps the table at 64 bytes for small flash budgets.
struct NibbleTable {
  uint32_t entries[kNibbleTableSize];
};

constexpr NibbleTable make_nibble_table() {
  NibbleTable table{};
  for (uint32_t n = 0; n < static_cast<uint32_t>(kNibbleTableSize); ++n) {
    uint32_t remainder = n;
    for (int bit = 0; bit < kNibbleBits; ++bit) {
      remainder = (remainder & 1u) ? (remainder >> 1) ^ kReflectedPolynomial : remainder >> 1;
    }
    table.entries[n] = remainder;
  }
  return table;
}

constexpr NibbleTable kNibbleTable = make_nibble_table();

}  // namespace

uint32_t crc32_init() { return kInitialValue; }

uint32_t crc32_update(uint32_t state, const uint8_t* data, size_t size) {
  uint32_t crc = state;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    crc = (crc >> kNibbleBits) ^ kNibbleTable.entries[crc & kNibbleMask];
    crc = (crc >> kNibbleBits) ^ kNibbleTable.entries[crc & kNibbleMask];
  }
  return crc;
}

uint32_t crc32_final(uint32_t state) { return state ^ kFinalXor; }

uint32_t crc32(const uint8_t* data, size_t size) {
  return crc32_final(crc32_update(crc32_init(), data, size));
}

}  // namespace tinynas::runtime
