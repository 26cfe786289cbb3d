#include "profiler/gdb_remote.h"

#include <algorithm>
#include <cstdio>

#include "profiler/open_port.h"

namespace tinynas::profiler {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kPacketStart = '$';
constexpr char kPacketEnd = '#';
constexpr char kEscape = '}';
constexpr char kRunLength = '*';
constexpr char kAck = '+';
constexpr char kNack = '-';
constexpr uint8_t kEscapeXor = 0x20;
constexpr int kRunLengthBias = 29;  // '*' followed by n + 29 repeats the last character n times
// A server that says nothing about its packet size takes at least this (GDB's own default).
constexpr std::size_t kDefaultPacketSize = 400;
// Room in a packet for the command, address and length ("X20000000,fff:").
constexpr std::size_t kPacketHeaderRoom = 32;
constexpr int kMaxRetransmits = 3;
constexpr std::size_t kReadChunk = 4096;
constexpr int kHexBase = 16;

bool needs_escape(char c) {
  return c == kPacketStart || c == kPacketEnd || c == kEscape || c == kRunLength;
}

std::string hex_byte(uint8_t value) {
  char text[3];
  std::snprintf(text, sizeof(text), "%02x", value);
  return text;
}

std::string hex_u32(uint32_t value) {
  char text[9];
  std::snprintf(text, sizeof(text), "%x", value);
  return text;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_error_reply(const std::string& reply) {
  return reply.size() == 3 && reply[0] == 'E' && hex_digit(reply[1]) >= 0 &&
         hex_digit(reply[2]) >= 0;
}

}  // namespace

uint8_t gdb_checksum(const std::string& data) {
  uint8_t sum = 0;
  for (char c : data) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  return sum;
}

std::string gdb_packet(const std::string& data) {
  std::string escaped;
  escaped.reserve(data.size() + 4);
  for (char c : data) {
    if (needs_escape(c)) {
      escaped += kEscape;
      escaped += static_cast<char>(static_cast<uint8_t>(c) ^ kEscapeXor);
    } else {
      escaped += c;
    }
  }
  return kPacketStart + escaped + kPacketEnd + hex_byte(gdb_checksum(escaped));
}

GdbRemote::GdbRemote(const std::string& address, std::chrono::milliseconds timeout)
    : address_(address), timeout_(timeout) {
  if (address.rfind("unix:", 0) != 0 && address.rfind("tcp:", 0) != 0) {
    throw GdbRemoteError("GDB server '" + address + "': expected unix:PATH or tcp:HOST:PORT");
  }
  transport_ = open_port(address, 0, timeout);
  packet_size_ = kDefaultPacketSize;
  const std::string features = exchange("qSupported:multiprocess-");
  const auto at = features.find("PacketSize=");
  if (at != std::string::npos) {
    std::size_t value = 0;
    for (std::size_t i = at + std::string("PacketSize=").size(); i < features.size(); ++i) {
      const int digit = hex_digit(features[i]);
      if (digit < 0) break;
      value = value * kHexBase + static_cast<std::size_t>(digit);
    }
    if (value > kPacketHeaderRoom * 2) packet_size_ = value;
  }
  const std::string stop = exchange("?");
  if (stop.empty() || (stop[0] != 'S' && stop[0] != 'T')) {
    throw GdbRemoteError("GDB server " + address_ + ": target not halted after attach ('?' -> '" +
                         stop + "')");
  }
}

GdbRemote::~GdbRemote() {
  try {
    detach();
  } catch (const std::exception&) {
    // The connection is closed either way; the target resumes when the server sees it go.
  }
}

void GdbRemote::detach() {
  if (!transport_) return;
  try {
    expect_ok(exchange("D"), "detach");
  } catch (...) {
    transport_->close();
    transport_.reset();
    throw;
  }
  transport_->close();
  transport_.reset();
}

void GdbRemote::expect_ok(const std::string& reply, const std::string& what) {
  if (reply == "OK") return;
  throw GdbRemoteError("GDB server " + address_ + ": " + what + " failed ('" +
                       (reply.empty() ? std::string("not supported") : reply) + "')");
}

void GdbRemote::write_memory(uint32_t address, const uint8_t* data, std::size_t size) {
  const std::size_t room = packet_size_ - kPacketHeaderRoom;
  std::size_t offset = 0;
  while (offset < size) {
    const uint32_t at = address + static_cast<uint32_t>(offset);
    if (binary_writes_) {
      // Escaped bytes take two characters: fill the packet by its encoded length.
      std::string body;
      std::size_t count = 0;
      while (offset + count < size) {
        const char c = static_cast<char>(data[offset + count]);
        const std::size_t width = needs_escape(c) ? 2 : 1;
        if (body.size() + width > room) break;
        body += c;  // gdb_packet escapes it
        ++count;
      }
      const std::string reply =
          exchange("X" + hex_u32(at) + "," + hex_u32(static_cast<uint32_t>(count)) + ":" + body);
      if (reply.empty()) {
        binary_writes_ = false;  // no X packets here: hex from now on
        continue;
      }
      expect_ok(reply, "writing " + std::to_string(count) + " bytes at 0x" + hex_u32(at));
      offset += count;
      continue;
    }
    const std::size_t count = std::min(size - offset, room / 2);
    std::string command = "M" + hex_u32(at) + "," + hex_u32(static_cast<uint32_t>(count)) + ":";
    for (std::size_t i = 0; i < count; ++i) command += hex_byte(data[offset + i]);
    expect_ok(exchange(command), "writing " + std::to_string(count) + " bytes at 0x" + hex_u32(at));
    offset += count;
  }
}

std::vector<uint8_t> GdbRemote::read_memory(uint32_t address, std::size_t size) {
  std::vector<uint8_t> bytes;
  bytes.reserve(size);
  const std::size_t room = (packet_size_ - kPacketHeaderRoom) / 2;
  while (bytes.size() < size) {
    const uint32_t at = address + static_cast<uint32_t>(bytes.size());
    const std::size_t count = std::min(size - bytes.size(), room);
    const std::string reply =
        exchange("m" + hex_u32(at) + "," + hex_u32(static_cast<uint32_t>(count)));
    if (is_error_reply(reply) || reply.empty() || reply.size() % 2 != 0) {
      throw GdbRemoteError("GDB server " + address_ + ": reading " + std::to_string(count) +
                           " bytes at 0x" + hex_u32(at) + " failed ('" + reply + "')");
    }
    for (std::size_t i = 0; i + 1 < reply.size() && bytes.size() < size; i += 2) {
      const int high = hex_digit(reply[i]);
      const int low = hex_digit(reply[i + 1]);
      if (high < 0 || low < 0) {
        throw GdbRemoteError("GDB server " + address_ + ": memory read reply is not hex");
      }
      bytes.push_back(static_cast<uint8_t>(high * kHexBase + low));
    }
  }
  return bytes;
}

std::string GdbRemote::exchange(const std::string& data) {
  if (!transport_) throw GdbRemoteError("GDB server " + address_ + ": not connected");
  send_packet(data);
  return receive_packet();
}

void GdbRemote::send_packet(const std::string& data) {
  const std::string packet = gdb_packet(data);
  for (int attempt = 0; attempt <= kMaxRetransmits; ++attempt) {
    transport_->write(reinterpret_cast<const uint8_t*>(packet.data()), packet.size(), timeout_);
    for (;;) {
      const char c = read_char();
      if (c == kAck) return;
      if (c == kNack) break;  // corrupted on the way: send it again
      // Anything else before the acknowledgement is noise (e.g. a late '+').
    }
  }
  throw GdbRemoteError("GDB server " + address_ + ": packet refused " +
                       std::to_string(kMaxRetransmits + 1) + " times");
}

std::string GdbRemote::receive_packet() {
  for (int attempt = 0; attempt <= kMaxRetransmits; ++attempt) {
    while (read_char() != kPacketStart) {
    }
    std::string raw;
    for (char c = read_char(); c != kPacketEnd; c = read_char()) raw += c;
    const int high = hex_digit(read_char());
    const int low = hex_digit(read_char());
    if (high < 0 || low < 0 || gdb_checksum(raw) != high * kHexBase + low) {
      const char nack = kNack;
      transport_->write(reinterpret_cast<const uint8_t*>(&nack), 1, timeout_);
      continue;
    }
    const char ack = kAck;
    transport_->write(reinterpret_cast<const uint8_t*>(&ack), 1, timeout_);
    std::string data;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == kEscape && i + 1 < raw.size()) {
        data += static_cast<char>(static_cast<uint8_t>(raw[++i]) ^ kEscapeXor);
      } else if (raw[i] == kRunLength && i + 1 < raw.size() && !data.empty()) {
        const int repeats = static_cast<uint8_t>(raw[++i]) - kRunLengthBias;
        data.append(static_cast<std::size_t>(std::max(repeats, 0)), data.back());
      } else {
        data += raw[i];
      }
    }
    return data;
  }
  throw GdbRemoteError("GDB server " + address_ + ": " + std::to_string(kMaxRetransmits + 1) +
                       " corrupted replies in a row");
}

char GdbRemote::read_char() {
  if (buffer_position_ < buffer_.size()) return static_cast<char>(buffer_[buffer_position_++]);
  buffer_.resize(kReadChunk);
  const auto deadline = Clock::now() + timeout_;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      throw GdbRemoteError("GDB server " + address_ + ": no reply within " +
                           std::to_string(timeout_.count()) + " ms");
    }
    const ReadResult result = transport_->read(buffer_.data(), buffer_.size(), left);
    if (result.timed_out()) continue;
    buffer_.resize(result.bytes);
    buffer_position_ = 1;
    return static_cast<char>(buffer_[0]);
  }
}

}  // namespace tinynas::profiler
