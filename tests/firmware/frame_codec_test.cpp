#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "engine/runtime/crc32.h"
#include "firmware/protocol/cobs.h"
#include "firmware/protocol/frame_decoder.h"
#include "firmware/protocol/frame_encoder.h"
#include "firmware/protocol/protocol.h"

namespace tinynas::firmware::protocol {
namespace {

std::vector<uint8_t> frame_of(const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> frame(kMaxEncodedFrame);
  const size_t size = encode_frame(payload.data(), payload.size(), frame.data(), frame.size());
  EXPECT_NE(size, 0u);
  frame.resize(size);
  return frame;
}

struct Result {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<FrameError> errors;
};

Result feed(FrameDecoder& decoder, const std::vector<uint8_t>& bytes) {
  Result result;
  for (uint8_t b : bytes) {
    switch (decoder.push(b)) {
      case DecodeEvent::kFrame:
        result.frames.emplace_back(decoder.payload(), decoder.payload() + decoder.payload_size());
        break;
      case DecodeEvent::kError:
        result.errors.push_back(decoder.error());
        break;
      case DecodeEvent::kNone:
        break;
    }
  }
  return result;
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t size) {
  std::vector<uint8_t> data(size);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  return data;
}

TEST(FrameCodec, RoundTripsPayloadsOfEverySizeClass) {
  std::mt19937 rng(1);
  FrameDecoder decoder;
  for (size_t size : {size_t{2}, size_t{3}, size_t{253}, size_t{254}, size_t{600}, kMaxPayload}) {
    const auto payload = random_bytes(rng, size);
    const auto frame = frame_of(payload);
    EXPECT_EQ(frame.back(), kFrameDelimiter);
    EXPECT_LE(frame.size(), kMaxEncodedFrame);
    const Result r = feed(decoder, frame);
    ASSERT_EQ(r.frames.size(), 1u) << size;
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(r.frames[0], payload);
  }
}

TEST(FrameCodec, FrameEndsWithLittleEndianCrcOfPayload) {
  const std::vector<uint8_t> payload = {0x01, 0x07};
  auto frame = frame_of(payload);
  frame.pop_back();
  size_t size = 0;
  ASSERT_TRUE(cobs_decode_in_place(frame.data(), frame.size(), &size));
  ASSERT_EQ(size, payload.size() + kCrcSize);
  const uint32_t crc = runtime::crc32(payload.data(), payload.size());
  for (size_t i = 0; i < kCrcSize; ++i)
    EXPECT_EQ(frame[2 + i], static_cast<uint8_t>(crc >> (8 * i)));
}

TEST(FrameCodec, EncoderRejectsOversizePayloadAndSmallBuffer) {
  std::vector<uint8_t> payload(kMaxPayload + 1, 0x11);
  std::vector<uint8_t> out(2 * kMaxEncodedFrame);
  EXPECT_EQ(encode_frame(payload.data(), payload.size(), out.data(), out.size()), 0u);
  payload.resize(100);
  EXPECT_EQ(encode_frame(payload.data(), payload.size(), out.data(), 50), 0u);
  EXPECT_EQ(encode_frame(payload.data(), payload.size(), out.data(), 0), 0u);
}

TEST(FrameCodec, CorruptedByteIsCrcMismatchThenNextFrameDecodes) {
  const std::vector<uint8_t> payload = {0x06, 0x10, 0x01, 0x00, 0x00, 0x00, 0x02};
  auto bad = frame_of(payload);
  bad[3] ^= 0x40;  // a data byte, never the delimiter; keep it non-zero
  if (bad[3] == 0) bad[3] = 0x01;
  FrameDecoder decoder;
  Result r = feed(decoder, bad);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], FrameError::kCrcMismatch);
  EXPECT_TRUE(r.frames.empty());
  r = feed(decoder, frame_of(payload));
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0], payload);
}

TEST(FrameCodec, BadCobsIsReported) {
  FrameDecoder decoder;
  const Result r = feed(decoder, {0x09, 0x01, 0x02, 0x00});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], FrameError::kBadCobs);
}

TEST(FrameCodec, TooShortFrameIsReported) {
  FrameDecoder decoder;
  const Result r = feed(decoder, {0x04, 0x01, 0x02, 0x03, 0x00});  // 3 decoded bytes < CRC
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], FrameError::kTooShort);
}

TEST(FrameCodec, OversizeIsReportedOnceAtTheDelimiterAndDecoderResyncs) {
  FrameDecoder decoder;
  std::vector<uint8_t> junk(3 * kMaxEncodedFrame, 0x5A);
  junk.push_back(0x00);
  Result r = feed(decoder, junk);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], FrameError::kOversize);
  const std::vector<uint8_t> payload = {0x01, 0x02};
  r = feed(decoder, frame_of(payload));
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0], payload);
}

TEST(FrameCodec, EmptyFramesAreIgnored) {
  FrameDecoder decoder;
  const Result r = feed(decoder, {0x00, 0x00, 0x00});
  EXPECT_TRUE(r.frames.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST(FrameCodec, ResyncsAfterGarbageAndFindsEveryLaterFrame) {
  std::mt19937 rng(3);
  FrameDecoder decoder;
  std::vector<std::vector<uint8_t>> sent;
  std::vector<uint8_t> stream = random_bytes(rng, 777);  // garbage, may contain zeros
  stream.push_back(0x00);                                // the sender's flush byte
  for (int i = 0; i < 20; ++i) {
    sent.push_back(random_bytes(rng, 2 + rng() % 300));
    const auto frame = frame_of(sent.back());
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  const Result r = feed(decoder, stream);
  ASSERT_EQ(r.frames.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(r.frames[i], sent[i]);
}

TEST(FrameCodec, RandomGarbageNeverCrashesNorYieldsUnverifiedFrames) {
  std::mt19937 rng(11);
  FrameDecoder decoder;
  size_t frames = 0;
  for (int round = 0; round < 200; ++round) {
    const Result r = feed(decoder, random_bytes(rng, 1 + rng() % 3000));
    for (const auto& f : r.frames) {
      EXPECT_GE(f.size(), kRequestHeaderSize);
      EXPECT_LE(f.size(), kMaxPayload);
    }
    frames += r.frames.size();
  }
  // A random frame passes a 32-bit CRC with probability 2^-32: none expected here.
  EXPECT_EQ(frames, 0u);
}

}  // namespace
}  // namespace tinynas::firmware::protocol
