// Memory-mapped register access: every peripheral register is a volatile 32-bit word at
// base + offset.
#pragma once

#include <stdint.h>

namespace tinynas::firmware {

inline volatile uint32_t& reg(uint32_t base, uint32_t offset) {
  return *reinterpret_cast<volatile uint32_t*>(static_cast<uintptr_t>(base + offset));
}

inline void data_sync_barrier() { __asm__ volatile("dsb" ::: "memory"); }
inline void instruction_sync_barrier() { __asm__ volatile("isb" ::: "memory"); }

}  // namespace tinynas::firmware
