// SHA-256 (FIPS 180-4) of a byte buffer, as 64 lowercase hex digits: the key under which the
// farm stores a model and its measurements, and how an export recognises the files it wrote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tinynas::text {

std::string sha256_hex(const uint8_t* data, std::size_t size);
inline std::string sha256_hex(const std::vector<uint8_t>& bytes) {
  return sha256_hex(bytes.data(), bytes.size());
}

// True for 64 lowercase hex digits (what sha256_hex produces).
bool is_sha256_hex(const std::string& text);

}  // namespace tinynas::text
