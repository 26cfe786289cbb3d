#include "firmware/mlperf_tiny/text_line.h"

namespace tinynas::firmware::mlperf_tiny {

void TextLine::put(char c) {
  if (size_ == sizeof(buffer_)) flush();
  buffer_[size_++] = c;
}

void TextLine::flush() {
  if (size_ > 0) port_.write(reinterpret_cast<const uint8_t*>(buffer_), size_);
  size_ = 0;
}

TextLine& TextLine::text(const char* text) {
  while (*text != '\0') put(*text++);
  return *this;
}

TextLine& TextLine::text(const char* text, size_t size) {
  for (size_t i = 0; i < size; ++i) put(text[i]);
  return *this;
}

TextLine& TextLine::echo(const char* text, size_t max_size) {
  for (size_t i = 0; i < max_size && text[i] != '\0'; ++i) {
    const char c = text[i];
    put(c >= 0x20 && c <= 0x7E ? c : '?');
  }
  return *this;
}

TextLine& TextLine::decimal(uint64_t value) {
  char digits[20];
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) put(digits[--count]);
  return *this;
}

TextLine& TextLine::hex_byte(uint8_t value) {
  static const char kDigits[] = "0123456789abcdef";
  put(kDigits[value >> 4]);
  put(kDigits[value & 0xF]);
  return *this;
}

TextLine& TextLine::fixed3(float value) {
  if (value != value) return text("nan");
  if (value < 0.0f) {
    put('-');
    value = -value;
  }
  if (value >= 1.8e16f) return text("inf");  // beyond what the thousandths fit in 64 bits
  // Round half away from zero to thousandths, as printf does for these magnitudes.
  const uint64_t thousandths = static_cast<uint64_t>(static_cast<double>(value) * 1000.0 + 0.5);
  decimal(thousandths / 1000);
  put('.');
  const uint64_t fraction = thousandths % 1000;
  put(static_cast<char>('0' + fraction / 100));
  put(static_cast<char>('0' + fraction / 10 % 10));
  put(static_cast<char>('0' + fraction % 10));
  return *this;
}

void TextLine::send() {
  put('\r');
  put('\n');
  flush();
}

}  // namespace tinynas::firmware::mlperf_tiny
