// Bounds-checked little-endian writer/reader over a caller buffer. A failed write or read sets
// a sticky flag instead of touching memory out of bounds, so a message is encoded or decoded
// with plain sequential calls and checked once at the end with ok().
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace tinynas::firmware::protocol {

// A length-prefixed string on the wire (u8 length + bytes); points into the payload buffer.
struct Text {
  constexpr Text() = default;
  constexpr Text(const char* text_data, size_t text_size) : data(text_data), size(text_size) {}
  const char* data = "";
  size_t size = 0;  // > kMaxTextSize fails to encode (nothing is truncated)
};
inline constexpr size_t kMaxTextSize = 255;
inline Text make_text(const char* c_string) { return Text{c_string, strlen(c_string)}; }

class ByteWriter {
 public:
  ByteWriter(uint8_t* data, size_t capacity) : data_(data), capacity_(capacity) {}
  void u8(uint8_t value) { bytes(&value, 1); }
  void u16(uint16_t value) { little_endian(value, 2); }
  void u32(uint32_t value) { little_endian(value, 4); }
  void u64(uint64_t value) { little_endian(value, 8); }
  void text(const Text& value) {
    if (value.size > kMaxTextSize) {
      ok_ = false;
      return;
    }
    u8(static_cast<uint8_t>(value.size));
    bytes(reinterpret_cast<const uint8_t*>(value.data), value.size);
  }
  void bytes(const uint8_t* source, size_t size) {
    if (!ok_ || size > capacity_ - size_) {
      ok_ = false;
      return;
    }
    if (size != 0) memcpy(data_ + size_, source, size);
    size_ += size;
  }
  void fail() { ok_ = false; }
  bool ok() const { return ok_; }
  size_t size() const { return size_; }

 private:
  void little_endian(uint64_t value, size_t width) {
    uint8_t buffer[8];
    for (size_t i = 0; i < width; ++i) buffer[i] = static_cast<uint8_t>(value >> (8 * i));
    bytes(buffer, width);
  }

  uint8_t* data_;
  size_t capacity_;
  size_t size_ = 0;
  bool ok_ = true;
};

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t u8() { return static_cast<uint8_t>(little_endian(1)); }
  uint16_t u16() { return static_cast<uint16_t>(little_endian(2)); }
  uint32_t u32() { return static_cast<uint32_t>(little_endian(4)); }
  uint64_t u64() { return little_endian(8); }
  Text text() {
    Text value;
    value.size = u8();
    value.data = reinterpret_cast<const char*>(bytes(value.size));
    if (!ok_) value = Text{};
    return value;
  }
  // Returns a pointer to the next `size` bytes (nullptr and !ok() when fewer remain).
  const uint8_t* bytes(size_t size) {
    if (!ok_ || size > size_ - position_) {
      ok_ = false;
      return nullptr;
    }
    const uint8_t* result = data_ + position_;
    position_ += size;
    return result;
  }
  size_t remaining() const { return size_ - position_; }
  bool ok() const { return ok_; }
  // True when everything was read and nothing is left over (a message decoder's final check).
  bool finished() const { return ok_ && position_ == size_; }

 private:
  uint64_t little_endian(size_t width) {
    const uint8_t* p = bytes(width);
    if (p == nullptr) return 0;
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) value |= static_cast<uint64_t>(p[i]) << (8 * i);
    return value;
  }

  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
  bool ok_ = true;
};

}  // namespace tinynas::firmware::protocol
