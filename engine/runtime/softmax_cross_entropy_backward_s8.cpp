// Softmax cross-entropy on int8 logits and its gradient: the start of a training step.
#include "engine/runtime/training_kernels.h"

namespace tinynas::runtime {

namespace {

// exp(x) for x <= 0 in single precision without libm: x = n * ln 2 + r with n = round(x / ln 2)
// and |r| <= ln 2 / 2 (ln 2 split in a high part exact in float and a low part), exp(r) by its
// Taylor polynomial to degree 7 (truncation below 6e-9), times 2^n built in the exponent bits.
// Results below the smallest normal float flush to 0.
float exp_non_positive(float x) {
  constexpr float kLog2E = 1.44269504f;
  constexpr float kLn2High = 0.693145752f;  // ln 2 with its low 12 mantissa bits zero
  constexpr float kLn2Low = 1.42860677e-6f;
  if (x < -87.0f) return 0.0f;
  const float scaled = x * kLog2E;
  const int32_t n = static_cast<int32_t>(scaled - 0.5f);  // x <= 0: truncation rounds
  const float r = (x - static_cast<float>(n) * kLn2High) - static_cast<float>(n) * kLn2Low;
  float poly = 1.0f / 5040.0f;
  poly = poly * r + 1.0f / 720.0f;
  poly = poly * r + 1.0f / 120.0f;
  poly = poly * r + 1.0f / 24.0f;
  poly = poly * r + 1.0f / 6.0f;
  poly = poly * r + 0.5f;
  poly = poly * r + 1.0f;
  poly = poly * r + 1.0f;
  if (n < -126) return 0.0f;
  const uint32_t bits = static_cast<uint32_t>(n + 127) << 23;
  float power;
  __builtin_memcpy(&power, &bits, sizeof power);
  return poly * power;
}

}  // namespace

float softmax_cross_entropy_backward_s8(const int8_t* logits, int32_t count, float scale,
                                        int32_t label, float* logits_grad) {
  // softmax is shift-invariant: subtracting the largest logit keeps every exp in (0, 1], and the
  // zero point cancels the same way.
  int32_t largest = logits[0];
  for (int32_t i = 1; i < count; ++i) largest = logits[i] > largest ? logits[i] : largest;
  float sum = 0.0f;
  for (int32_t i = 0; i < count; ++i) {
    logits_grad[i] = exp_non_positive(scale * static_cast<float>(logits[i] - largest));
    sum += logits_grad[i];
  }
  const float inverse_sum = 1.0f / sum;
  float label_probability = 0.0f;
  for (int32_t i = 0; i < count; ++i) {
    const float probability = logits_grad[i] * inverse_sum;
    if (i == label) label_probability = probability;
    logits_grad[i] = scale * (i == label ? probability - 1.0f : probability);
  }
  return label_probability;
}

}  // namespace tinynas::runtime
