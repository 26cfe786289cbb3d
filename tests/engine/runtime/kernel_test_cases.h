// Random, reproducible kernel test cases: geometries (valid / same / arbitrary padding), zero
// points with extra weight on the extremes -128 and 127, int8 data that is sometimes only
// -128/127 (to drive saturation), and per-channel multipliers/shifts that are either realistic
// for the accumulators at hand or extreme, never overflowing the int32 left shift.
#pragma once

#include <stdint.h>

#include <random>
#include <string>
#include <vector>

#include "engine/runtime/kernels.h"
#include "tests/engine/runtime/reference_kernels.h"

namespace tinynas::runtime::testing {

inline constexpr int32_t kQ31Min = int32_t{1} << 30;  // smallest normalised Q31 multiplier
inline constexpr int32_t kInt8Min = -128;
inline constexpr int32_t kInt8Max = 127;
inline constexpr int32_t kMinShift = -31;
inline constexpr int32_t kMaxRandomLeftShift = 8;  // left shifts a real model would use
inline constexpr int32_t kMaxShift = 30;
inline constexpr int32_t kInt8Bits = 7;  // magnitude bits of an int8 output

class Random {
 public:
  explicit Random(uint32_t seed) : engine_(seed) {}
  int32_t uniform(int32_t lo, int32_t hi) {
    return std::uniform_int_distribution<int32_t>(lo, hi)(engine_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(engine_); }
  template <typename T>
  T pick(std::initializer_list<T> values) {
    return values.begin()[uniform(0, static_cast<int32_t>(values.size()) - 1)];
  }

  // Zero point in [-128, 127], with the extremes drawn often.
  int32_t zero_point() {
    const int32_t mode = uniform(0, 4);
    if (mode == 0) return kInt8Min;
    if (mode == 1) return kInt8Max;
    return uniform(kInt8Min, kInt8Max);
  }

  // int8 data; sometimes only the extremes, so accumulators and outputs saturate.
  std::vector<int8_t> int8_values(size_t count) {
    const bool extremes_only = chance(0.2);
    std::vector<int8_t> values(count);
    for (auto& v : values) {
      v = static_cast<int8_t>(extremes_only ? (chance(0.5) ? kInt8Min : kInt8Max)
                                            : uniform(kInt8Min, kInt8Max));
    }
    return values;
  }

  // Bias values, or an empty vector meaning "no bias" (null pointer).
  std::vector<int32_t> bias(int32_t channels) {
    if (chance(0.2)) return {};
    const int32_t range = pick({int32_t{1} << 8, int32_t{1} << 16, int32_t{1} << 22});
    std::vector<int32_t> values(channels);
    for (auto& v : values) v = uniform(-range, range);
    return values;
  }

  // [activation_min, activation_max]: usually the full int8 range, sometimes a narrower one.
  void activation_range(int32_t* lo, int32_t* hi) {
    if (chance(0.6)) {
      *lo = kInt8Min;
      *hi = kInt8Max;
      return;
    }
    *lo = uniform(kInt8Min, kInt8Max);
    *hi = uniform(*lo, kInt8Max);
  }

  int32_t multiplier() {
    const int32_t mode = uniform(0, 9);
    if (mode == 0) return kQ31Min;
    if (mode == 1) return INT32_MAX;
    return uniform(kQ31Min, INT32_MAX);
  }

  // Multiplier and shift per channel of NHWC accumulators `acc`: mostly a scale that maps the
  // channel's largest accumulator to about the int8 range (non-trivial outputs), sometimes an
  // extreme shift in [-31, 8] or a zero multiplier. Left shifts never overflow int32.
  void requantization(const std::vector<int64_t>& acc, int32_t channels,
                      std::vector<int32_t>* multiplier, std::vector<int32_t>* shift) {
    multiplier->assign(channels, 0);
    shift->assign(channels, 0);
    for (int32_t c = 0; c < channels; ++c) {
      int64_t max_abs = 1;
      for (size_t i = c; i < acc.size(); i += channels) {
        const int64_t a = acc[i] < 0 ? -acc[i] : acc[i];
        if (a > max_abs) max_abs = a;
      }
      int32_t max_left_shift = 0;
      while (max_left_shift < kMaxShift && (max_abs << (max_left_shift + 1)) <= INT32_MAX) {
        ++max_left_shift;
      }
      int32_t bits = 0;
      while ((int64_t{1} << bits) <= max_abs) ++bits;
      const int32_t mode = uniform(0, 9);
      int32_t s = 0;
      if (mode <= 6) {
        s = kInt8Bits - bits + uniform(-2, 1);
      } else {
        s = uniform(kMinShift, kMaxRandomLeftShift);
      }
      if (s < kMinShift) s = kMinShift;
      if (s > max_left_shift) s = max_left_shift;
      (*shift)[c] = s;
      (*multiplier)[c] = mode == 9 && chance(0.3) ? 0 : this->multiplier();
    }
  }

 private:
  std::mt19937 engine_;
};

enum class Padding { kValid, kSame, kArbitrary };

// One spatial dimension of a convolution or pool.
struct Dimension {
  int32_t input = 1;
  int32_t pad_before = 0;
  int32_t output = 1;
};

// Picks an input extent in [1, max_input] and the padding/output for `padding`; arbitrary
// padding draws before/after pads in [0, kernel - 1]. Retries until the output is non-empty.
inline Dimension random_dimension(Random& random, int32_t kernel, int32_t stride, Padding padding,
                                  int32_t max_input) {
  for (;;) {
    Dimension d;
    d.input = random.uniform(1, max_input);
    int32_t pad_after = 0;
    if (padding == Padding::kValid) {
      d.pad_before = 0;
    } else if (padding == Padding::kSame) {
      const int32_t output = (d.input + stride - 1) / stride;
      const int32_t total = (output - 1) * stride + kernel - d.input;
      d.pad_before = total > 0 ? total / 2 : 0;
      pad_after = total > 0 ? total - d.pad_before : 0;
    } else {
      d.pad_before = random.uniform(0, kernel - 1);
      pad_after = random.uniform(0, kernel - 1);
    }
    const int32_t padded = d.input + d.pad_before + pad_after;
    if (padded < kernel) continue;
    d.output = (padded - kernel) / stride + 1;
    return d;
  }
}

inline Padding random_padding(Random& random) {
  return random.pick({Padding::kValid, Padding::kSame, Padding::kArbitrary});
}

inline const int32_t* data_or_null(const std::vector<int32_t>& v) {
  return v.empty() ? nullptr : v.data();
}

// Index and values of the first difference, for a readable failure message.
inline std::string first_difference(const std::vector<int8_t>& actual,
                                    const std::vector<int8_t>& expected) {
  if (actual.size() != expected.size()) {
    return "size " + std::to_string(actual.size()) + " vs " + std::to_string(expected.size());
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] != expected[i]) {
      return "index " + std::to_string(i) + ": kernel " + std::to_string(actual[i]) +
             ", reference " + std::to_string(expected[i]);
    }
  }
  return "none";
}

}  // namespace tinynas::runtime::testing
