#include "profiler/gdb_remote.h"

#include <gtest/gtest.h>

namespace tinynas::profiler {
namespace {

TEST(GdbRemote, PacketsCarryTheirChecksumInHex) {
  EXPECT_EQ(gdb_checksum("OK"), 0x9a);
  EXPECT_EQ(gdb_packet("OK"), "$OK#9a");
  EXPECT_EQ(gdb_packet("?"), "$?#3f");
}

TEST(GdbRemote, ReservedCharactersAreEscapedAndTheChecksumCoversTheEscapes) {
  const std::string packet = gdb_packet(std::string("a#$}*b"));
  EXPECT_EQ(packet.substr(0, 11),
            "$a}\x03}\x04}]}\x0a"
            "b");
  const std::string body = packet.substr(1, packet.size() - 4);
  char checksum[3];
  std::snprintf(checksum, sizeof(checksum), "%02x", gdb_checksum(body));
  EXPECT_EQ(packet.substr(packet.size() - 2), checksum);
}

}  // namespace
}  // namespace tinynas::profiler
