// Fully connected, DSP path (replaces engine/runtime/fully_connected_s8.cpp in Cortex-M4/M7
// images). Bit-exact with the plain kernel.
//
// Every weight row is used once, so the weights are the stream to make cheap: per 4 weights one
// LDR, two SXTB16 and two SMLAD. The input is shared by every row: it is unpacked once per pass
// into int16 pairs that already carry the input offset (SXTAB16, offset_pairs_dsp.h) and kept on
// the stack, and four weight rows at a time run against it, so one LDRD of packed input feeds 16
// MACs (21 instructions). Folding the offset in as offset * sum(w) would cost a second pass over
// every weight row. Inputs deeper than one packed chunk are done chunk by chunk over blocks of
// rows whose partial sums wait on the stack; the trailing depth % 4 inputs and the last rows
// (count % 4) take simpler loops.
#include <string.h>

#include "engine/runtime/kernels.h"
#include "firmware/kernels/offset_pairs_dsp.h"
#include "firmware/kernels/requantize_dsp.h"

namespace tinynas::runtime {

namespace {

namespace dsp = firmware::dsp;

constexpr int32_t kElementsPerGroup = 4;
// Input groups (of 4 values) packed per pass: 512 inputs, 1 KB of stack.
constexpr int32_t kChunkGroups = 128;
constexpr int32_t kChunkValues = kChunkGroups * kElementsPerGroup;
// Rows whose partial sums are kept while an input deeper than one chunk is packed chunk by chunk;
// the input is packed once per block of this many rows.
constexpr int32_t kRowsPerPass = 64;

struct Acc4 {
  int32_t r0, r1, r2, r3;
};

// One group of 4 inputs against rows 0..3 (row 1 at p0 + depth, row 3 at p2 + depth): the
// packed pair is loaded once, each weight word is split by SXTB16 and fed to its row's
// accumulator. Thirteen registers; the compiler's own loop reloads the packed input per row.
#define TINYNAS_FC_LOAD_INPUT "ldrd %[xe], %[xo], [%[x]], #8\n\t"
// Rows p + depth (into a_next) and p (into a, advancing p).
#define TINYNAS_FC_ROW_PAIR(p, a, a_next)       \
  "ldr %[w], [%[" p                             \
  "], %[depth]]\n\t"                            \
  "sxtb16 %[t], %[w]\n\t"                       \
  "smlad %[" a_next "], %[xe], %[t], %[" a_next \
  "]\n\t"                                       \
  "sxtb16 %[w], %[w], ror #8\n\t"               \
  "smlad %[" a_next "], %[xo], %[w], %[" a_next \
  "]\n\t"                                       \
  "ldr %[w], [%[" p                             \
  "]], #4\n\t"                                  \
  "sxtb16 %[t], %[w]\n\t"                       \
  "smlad %[" a "], %[xe], %[t], %[" a           \
  "]\n\t"                                       \
  "sxtb16 %[w], %[w], ror #8\n\t"               \
  "smlad %[" a "], %[xo], %[w], %[" a "]\n\t"
#define TINYNAS_FC_4ROW_GROUP \
  TINYNAS_FC_LOAD_INPUT TINYNAS_FC_ROW_PAIR("p0", "a0", "a1") TINYNAS_FC_ROW_PAIR("p2", "a2", "a3")
#define TINYNAS_FC_2ROW_GROUP TINYNAS_FC_LOAD_INPUT TINYNAS_FC_ROW_PAIR("p0", "a0", "a1")

#define TINYNAS_FC_4ROW_OPERANDS                                                          \
  [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [p0] "+r"(p0), \
      [p2] "+r"(p2), [xe] "=&r"(xe), [xo] "=&r"(xo), [w] "=&r"(word), [t] "=&r"(t)
#define TINYNAS_FC_2ROW_OPERANDS                                                            \
  [a0] "+r"(a0), [a1] "+r"(a1), [x] "+r"(x), [p0] "+r"(p0), [xe] "=&r"(xe), [xo] "=&r"(xo), \
      [w] "=&r"(word), [t] "=&r"(t)

// acc += packed input x rows w (rows `depth` bytes apart) over `groups` groups, two per step.
inline void mac_4rows(const dsp::OffsetPairs* x, const int8_t* w, int32_t depth, int32_t groups,
                      Acc4& acc) {
  int32_t a0 = acc.r0, a1 = acc.r1, a2 = acc.r2, a3 = acc.r3;
  const int8_t* p0 = w;
  const int8_t* p2 = w + 2 * depth;
  int32_t xe, xo, word, t;
  const dsp::OffsetPairs* const pairs_end = x + (groups & ~1);
  if (x != pairs_end) {
    __asm__ volatile("1:\n\t" TINYNAS_FC_4ROW_GROUP TINYNAS_FC_4ROW_GROUP
                     "cmp %[x], %[end]\n\t"
                     "bne 1b"
                     : TINYNAS_FC_4ROW_OPERANDS
                     : [depth] "r"(depth), [end] "r"(pairs_end)
                     : "cc", "memory");
  }
  if ((groups & 1) != 0) {
    __asm__ volatile(TINYNAS_FC_4ROW_GROUP:TINYNAS_FC_4ROW_OPERANDS
                     : [depth] "r"(depth)
                     : "memory");
  }
  acc = Acc4{a0, a1, a2, a3};
}
// acc0 += packed input x row w; acc1 likewise with row w + depth (the last rows).
inline void mac_2rows(const dsp::OffsetPairs* x, const int8_t* w, int32_t depth, int32_t groups,
                      int32_t& acc0, int32_t& acc1) {
  int32_t a0 = acc0, a1 = acc1;
  const int8_t* p0 = w;
  int32_t xe, xo, word, t;
  const dsp::OffsetPairs* const pairs_end = x + (groups & ~1);
  if (x != pairs_end) {
    __asm__ volatile("1:\n\t" TINYNAS_FC_2ROW_GROUP TINYNAS_FC_2ROW_GROUP
                     "cmp %[x], %[end]\n\t"
                     "bne 1b"
                     : TINYNAS_FC_2ROW_OPERANDS
                     : [depth] "r"(depth), [end] "r"(pairs_end)
                     : "cc", "memory");
  }
  if ((groups & 1) != 0) {
    __asm__ volatile(TINYNAS_FC_2ROW_GROUP:TINYNAS_FC_2ROW_OPERANDS
                     : [depth] "r"(depth)
                     : "memory");
  }
  acc0 = a0;
  acc1 = a1;
}
#undef TINYNAS_FC_2ROW_OPERANDS
#undef TINYNAS_FC_4ROW_OPERANDS
#undef TINYNAS_FC_2ROW_GROUP
#undef TINYNAS_FC_4ROW_GROUP
#undef TINYNAS_FC_ROW_PAIR
#undef TINYNAS_FC_LOAD_INPUT

inline int32_t mac_1row(const dsp::OffsetPairs* x, const int8_t* w, int32_t groups, int32_t acc) {
  for (int32_t g = 0; g < groups; ++g) {
    const int8x4_t word = dsp::load_int8x4(w + g * kElementsPerGroup);
    acc = __smlad(x[g].even, dsp::even_pair(word), acc);
    acc = __smlad(x[g].odd, dsp::odd_pair(word), acc);
  }
  return acc;
}

class FullyConnected {
 public:
  FullyConnected(const ConvParams& params, const PerChannelQuantization& quant, const int8_t* input,
                 const int8_t* filter, const int32_t* bias, int32_t rows, int32_t depth,
                 int8_t* output)
      : params_(params),
        quant_(quant),
        input_(input),
        filter_(filter),
        bias_(bias),
        output_(output),
        rows_(rows),
        depth_(depth),
        depth4_(depth - depth % kElementsPerGroup),
        offset_(dsp::splat_offset(params.input_offset)),
        range_(dsp::activation_range4(params)) {}

  void run() {
    // One chunk: the input is packed once and every row runs in one pass.
    const int32_t pass_rows = depth4_ <= kChunkValues ? rows_ : kRowsPerPass;
    for (int32_t begin = 0; begin < rows_; begin += pass_rows) {
      const int32_t count = rows_ - begin < pass_rows ? rows_ - begin : pass_rows;
      int32_t k = 0;
      do {
        const int32_t chunk = depth4_ - k < kChunkValues ? depth4_ - k : kChunkValues;
        pack(k, chunk / kElementsPerGroup);
        rows_pass(begin, count, k, chunk, k == 0, k + chunk == depth4_);
        k += chunk;
      } while (k < depth4_);
    }
  }

 private:
  void pack(int32_t k, int32_t groups) {
    const int8_t* x = input_ + k;
    dsp::OffsetPairs* out = packed_;
    dsp::OffsetPairs* const pairs_end = packed_ + (groups & ~1);
    for (; out != pairs_end; out += 2, x += 2 * kElementsPerGroup) {  // two groups per step
      out[0] = dsp::offset_pairs(offset_, dsp::load_int8x4(x));
      out[1] = dsp::offset_pairs(offset_, dsp::load_int8x4(x + kElementsPerGroup));
    }
    if ((groups & 1) != 0) *out = dsp::offset_pairs(offset_, dsp::load_int8x4(x));
  }

  int32_t start(int32_t row, int32_t i, bool first) const {
    if (!first) return partial_[i];
    return bias_ != nullptr ? bias_[row] : 0;
  }

  // The trailing depth % 4 inputs of one row, the plain way.
  int32_t mac_tail(int32_t row, int32_t acc) const {
    const int8_t* w = filter_ + row * depth_;
    for (int32_t k = depth4_; k < depth_; ++k) {
      acc += (static_cast<int32_t>(input_[k]) + params_.input_offset) * static_cast<int32_t>(w[k]);
    }
    return acc;
  }

  int32_t finish(int32_t row, int32_t acc) const {
    return dsp::scale_to_int8(mac_tail(row, acc), dsp::channel_requant(quant_, row),
                              params_.output_offset);
  }

  // Packed inputs [k, k + chunk) into rows [begin, begin + count); `last` finishes the rows.
  void rows_pass(int32_t begin, int32_t count, int32_t k, int32_t chunk, bool first, bool last) {
    const int32_t groups = chunk / kElementsPerGroup;
    int32_t i = 0;
    for (; i + 4 <= count; i += 4) {
      const int32_t row = begin + i;
      Acc4 acc{start(row, i, first), start(row + 1, i + 1, first), start(row + 2, i + 2, first),
               start(row + 3, i + 3, first)};
      mac_4rows(packed_, filter_ + row * depth_ + k, depth_, groups, acc);
      if (!last) {
        partial_[i] = acc.r0;
        partial_[i + 1] = acc.r1;
        partial_[i + 2] = acc.r2;
        partial_[i + 3] = acc.r3;
        continue;
      }
      const uint32_t word =
          dsp::clamp_int8x4(dsp::pack_int8x4(finish(row, acc.r0), finish(row + 1, acc.r1),
                                             finish(row + 2, acc.r2), finish(row + 3, acc.r3)),
                            range_);
      memcpy(output_ + row, &word, sizeof(word));  // an unaligned STR: allowed on ARMv7-M
    }
    for (; i + 2 <= count; i += 2) {
      const int32_t row = begin + i;
      int32_t acc0 = start(row, i, first), acc1 = start(row + 1, i + 1, first);
      mac_2rows(packed_, filter_ + row * depth_ + k, depth_, groups, acc0, acc1);
      store(row, i, last, acc0);
      store(row + 1, i + 1, last, acc1);
    }
    if (i < count) {
      const int32_t row = begin + i;
      store(row, i, last,
            mac_1row(packed_, filter_ + row * depth_ + k, groups, start(row, i, first)));
    }
  }

  void store(int32_t row, int32_t i, bool last, int32_t acc) {
    if (!last) {
      partial_[i] = acc;
      return;
    }
    output_[row] =
        dsp::requantize_one(mac_tail(row, acc), dsp::channel_requant(quant_, row), params_);
  }

  const ConvParams& params_;
  const PerChannelQuantization& quant_;
  const int8_t* input_;
  const int8_t* filter_;
  const int32_t* bias_;
  int8_t* output_;
  const int32_t rows_, depth_, depth4_;
  const int16x2_t offset_;
  const dsp::ActivationRange4 range_;
  dsp::OffsetPairs packed_[kChunkGroups];
  int32_t partial_[kRowsPerPass];  // per row of the pass: the sum of the chunks so far
};

}  // namespace

void fully_connected_s8(const ConvParams& params, const PerChannelQuantization& quant,
                        const Shape& /*input_shape*/, const int8_t* input,
                        const Shape& filter_shape, const int8_t* filter, const int32_t* bias,
                        const Shape& /*output_shape*/, int8_t* output) {
  // Locals first: the int8 stores may alias the shapes.
  const int32_t rows = filter_shape.n;
  const int32_t depth = fully_connected_depth(filter_shape);
  FullyConnected fc(params, quant, input, filter, bias, rows, depth, output);
  fc.run();
}

}  // namespace tinynas::runtime
