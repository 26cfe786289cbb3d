// STM32 GPIO ports (the F4/F7/H7 register layout: MODER, OSPEEDR, PUPDR, AFRL/AFRH): a pin to
// an alternate function, for the boards that route a USART to their pins.
#pragma once

#include <stdint.h>

#include "firmware/board/mmio.h"

namespace tinynas::firmware::stm32_gpio {

inline constexpr uint32_t kModer = 0x00;
inline constexpr uint32_t kOspeedr = 0x08;
inline constexpr uint32_t kPupdr = 0x0C;
inline constexpr uint32_t kAfrl = 0x20;
inline constexpr uint32_t kAfrh = 0x24;
inline constexpr uint32_t kModeAlternate = 0x2;
inline constexpr uint32_t kSpeedHigh = 0x2;
inline constexpr uint32_t kPullUp = 0x1;
inline constexpr uint32_t kPinsPerAfr = 8;

// One pin's two-bit field of MODER, OSPEEDR or PUPDR.
inline void set_two_bit_field(uint32_t base, uint32_t offset, uint32_t pin, uint32_t value) {
  reg(base, offset) = (reg(base, offset) & ~(0x3u << (2 * pin))) | (value << (2 * pin));
}

// Pin `pin` of the port at `base` to alternate function `function`, high speed.
inline void set_alternate_function(uint32_t base, uint32_t pin, uint32_t function) {
  const uint32_t offset = pin < kPinsPerAfr ? kAfrl : kAfrh;
  const uint32_t shift = 4 * (pin % kPinsPerAfr);
  reg(base, offset) = (reg(base, offset) & ~(0xFu << shift)) | (function << shift);
  set_two_bit_field(base, kOspeedr, pin, kSpeedHigh);
  set_two_bit_field(base, kModer, pin, kModeAlternate);
}

}  // namespace tinynas::firmware::stm32_gpio
