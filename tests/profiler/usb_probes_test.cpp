#include "profiler/usb_probes.h"

#include <gtest/gtest.h>

namespace tinynas::profiler {
namespace {

TEST(UsbProbes, TheStLinkVirtualComPortBelongsToTheStLink) {
  const auto probe = usb_probe(0x0483, 0x374b);
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->name, "ST-LINK/V2-1");
  EXPECT_EQ(probe->flash_with, "st-link, openocd");
}

TEST(UsbProbes, DapLinkFlashesWithOpenocdAndUartBridgesReachTheBootloader) {
  EXPECT_EQ(usb_probe(0x0d28, 0x0204)->flash_with, "openocd");
  EXPECT_EQ(usb_probe(0x0403, 0x6001)->flash_with, "serial-bootloader");
  EXPECT_FALSE(usb_probe(0x1234, 0x5678).has_value());
}

TEST(UsbProbes, IdsPrintAsLsusbDoes) { EXPECT_EQ(usb_id_text(0x0483, 0x374b), "0483:374b"); }

}  // namespace
}  // namespace tinynas::profiler
