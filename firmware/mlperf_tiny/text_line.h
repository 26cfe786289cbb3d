// One reply line of the MLPerf Tiny protocol, built in a fixed buffer without printf (the
// firmware links no formatted-output library): text, decimal and hex numbers, and scores with
// three decimals as the benchmark prints them. send() appends "\r\n" and writes the line;
// a line longer than the buffer is written in pieces, never cut.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/mlperf_tiny/th_port.h"

namespace tinynas::firmware::mlperf_tiny {

class TextLine {
 public:
  explicit TextLine(const ThPort& port) : port_(port) {}
  TextLine(const TextLine&) = delete;
  TextLine& operator=(const TextLine&) = delete;

  TextLine& text(const char* text);
  TextLine& text(const char* text, size_t size);
  // Text the host sent, echoed back: anything but printable ASCII becomes '?', so a reply line
  // never carries control bytes.
  TextLine& echo(const char* text, size_t max_size = static_cast<size_t>(-1));
  TextLine& decimal(uint64_t value);
  TextLine& hex_byte(uint8_t value);  // two lower-case digits
  TextLine& fixed3(float value);      // like printf("%.3f")
  void send();                        // "\r\n", then everything still buffered

 private:
  void put(char c);
  void flush();

  const ThPort& port_;
  char buffer_[96];
  size_t size_ = 0;
};

}  // namespace tinynas::firmware::mlperf_tiny
