// Stack high-water mark by painting: fill the unused stack (below the caller's frame) with a
// pattern, and later find the lowest word that no longer holds it. Stack bounds come from the
// linker script (__stack_limit__ .. __stack_top__).
#include "firmware/board/board.h"

extern "C" uint32_t __stack_limit__[];
extern "C" uint32_t __stack_top__[];

namespace tinynas::firmware {

namespace {
constexpr uint32_t kStackPaint = 0xC0DEFACEu;
constexpr uint32_t kPaintGuardBytes = 64;  // stay clear of the painting function's own frame

uint32_t* current_stack_pointer() {
  uint32_t* sp = nullptr;
#if defined(__riscv)
  __asm__ volatile("mv %0, sp" : "=r"(sp));
#else
  __asm__ volatile("mov %0, sp" : "=r"(sp));
#endif
  return sp;
}
}  // namespace

// noinline: painting must happen in a frame of its own, below the caller.
__attribute__((noinline)) void stack_paint() {
  uint32_t* const end = current_stack_pointer() - kPaintGuardBytes / sizeof(uint32_t);
  for (volatile uint32_t* p = __stack_limit__; p < end; ++p) *p = kStackPaint;
}

uint32_t stack_bytes_used() {
  const uint32_t* p = __stack_limit__;
  while (p < __stack_top__ && *p == kStackPaint) ++p;
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(__stack_top__) -
                               reinterpret_cast<uintptr_t>(p));
}

}  // namespace tinynas::firmware
