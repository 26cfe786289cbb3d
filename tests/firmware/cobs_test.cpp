#include "firmware/protocol/cobs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "firmware/protocol/protocol.h"

namespace tinynas::firmware::protocol {
namespace {

std::vector<uint8_t> encode(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(cobs_max_encoded_size(data.size()));
  CobsEncoder encoder(out.data(), out.size());
  encoder.push(data.data(), data.size());
  const size_t size = encoder.finish();
  EXPECT_FALSE(encoder.overflowed());
  out.resize(size);
  return out;
}

std::vector<uint8_t> decode(std::vector<uint8_t> encoded, bool* ok) {
  size_t size = 0;
  *ok = cobs_decode_in_place(encoded.data(), encoded.size(), &size);
  encoded.resize(*ok ? size : 0);
  return encoded;
}

TEST(Cobs, KnownVectorsFromThePaper) {
  EXPECT_EQ(encode({}), (std::vector<uint8_t>{0x01}));
  EXPECT_EQ(encode({0x00}), (std::vector<uint8_t>{0x01, 0x01}));
  EXPECT_EQ(encode({0x11, 0x22, 0x00, 0x33}), (std::vector<uint8_t>{0x03, 0x11, 0x22, 0x02, 0x33}));
  EXPECT_EQ(encode({0x11, 0x00, 0x00, 0x00}), (std::vector<uint8_t>{0x02, 0x11, 0x01, 0x01, 0x01}));
}

TEST(Cobs, EncodedDataContainsNoZeroAndRoundTrips) {
  std::mt19937 rng(7);
  for (size_t size : {0u, 1u, 253u, 254u, 255u, 508u, 509u, 1031u}) {
    for (int zero_percent : {0, 5, 50, 100}) {
      std::vector<uint8_t> data(size);
      for (auto& b : data) {
        b = static_cast<int>(rng() % 100) < zero_percent ? 0
                                                         : static_cast<uint8_t>(1 + rng() % 255);
      }
      const auto encoded = encode(data);
      EXPECT_LE(encoded.size(), cobs_max_encoded_size(size));
      EXPECT_EQ(std::memchr(encoded.data(), 0, encoded.size()), nullptr);
      bool ok = false;
      EXPECT_EQ(decode(encoded, &ok), data) << "size " << size << " zeros " << zero_percent;
      EXPECT_TRUE(ok);
    }
  }
}

TEST(Cobs, EncoderReportsTooSmallBuffer) {
  std::vector<uint8_t> out(4);
  CobsEncoder encoder(out.data(), out.size());
  const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  encoder.push(data, sizeof(data));
  EXPECT_EQ(encoder.finish(), 0u);
  EXPECT_TRUE(encoder.overflowed());
}

TEST(Cobs, DecoderRejectsCodePastTheEnd) {
  bool ok = true;
  decode({0x05, 0x11, 0x22}, &ok);
  EXPECT_FALSE(ok);
}

TEST(Cobs, DecoderRejectsZeroCodeByte) {
  bool ok = true;
  decode({0x02, 0x11, 0x00, 0x22}, &ok);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace tinynas::firmware::protocol
