// The farm flashes a real board whose runner version differs from the build's image, and
// quarantines one whose flash fails: the board is a fake runner on a unix socket whose version
// is whatever image the fake flash tool last "wrote" to it (no probe is attached here).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "farm/farm.h"
#include "profiler/board_flash.h"
#include "tests/farm/farm_test_support.h"
#include "tests/profiler/fake_board.h"
#include "tests/profiler/fake_flash_tools.h"

namespace tinynas::farm {
namespace {

namespace fs = std::filesystem;
namespace pt = profiler::testing;
namespace protocol = firmware::protocol;

constexpr char kKind[] = "test-real";
constexpr char kOldVersion[] = "tinynas-runner 0.0.1 (old)";
constexpr char kBuildVersion[] = "tinynas-runner 9.9.9 (build)";

// A runner on a unix socket answering HELLO and RESET; it reports the version of the image at
// `flashed_image` (what the fake flash tool copied there), else kOldVersion.
class FakeRunnerOnSocket {
 public:
  FakeRunnerOnSocket(std::string socket_path, std::string flashed_image)
      : socket_path_(std::move(socket_path)), flashed_image_(std::move(flashed_image)) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listen_fd_, 4) != 0) {
      std::abort();
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRunnerOnSocket() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

 private:
  std::string version() const {
    if (!fs::exists(flashed_image_)) return kOldVersion;
    return profiler::runner_image_version(flashed_image_);
  }
  std::vector<uint8_t> answer(const pt::FakeRequest& request) const {
    if (request.command == static_cast<uint8_t>(protocol::Command::kReset)) {
      return pt::empty_ok_reply(request);
    }
    const std::string text = version();
    protocol::HelloReply hello;
    hello.protocol_version = protocol::kProtocolVersion;
    hello.firmware_version = pt::text_of(text.c_str());
    hello.board = pt::text_of(kKind);
    hello.core = pt::text_of("cortex-m7");
    hello.max_chunk = protocol::kMaxChunk;
    return pt::ok_reply(request, hello);
  }
  void serve() {
    while (!stop_) {
      pollfd waiting{listen_fd_, POLLIN, 0};
      if (::poll(&waiting, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      protocol::FrameDecoder decoder;
      uint8_t buffer[1024];
      while (!stop_) {
        pollfd readable{fd, POLLIN, 0};
        if (::poll(&readable, 1, 20) <= 0) continue;
        const ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; ++i) {
          if (decoder.push(buffer[i]) != protocol::DecodeEvent::kFrame) continue;
          pt::FakeRequest request;
          request.command = decoder.payload()[0];
          request.sequence = decoder.payload()[1];
          const auto reply = answer(request);
          if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) break;
        }
      }
      ::close(fd);
    }
  }

  std::string socket_path_;
  std::string flashed_image_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class FarmFlashTest : public ::testing::Test {
 protected:
  FarmFlashTest()
      : dir_("tinynas-farm-flash-"),
        runner_(dir_.path() + "/runner.sock", dir_.path() + "/flashed-image") {
    std::ofstream(dir_.path() + "/" + kKind + ".json") << R"({
      "kind": "test-real", "core": "cortex-m7", "clock_hz": 216000000, "sram_bytes": 327680,
      "flash_bytes": 1048576, "model_region": "ram", "model_region_bytes": 131072,
      "flash": {"base_address": "0x08000000", "probes": [{"probe": "st-link"}]}})";
    const std::string images = dir_.path() + "/fw/" + kKind;
    fs::create_directories(images);
    bin_ = images + "/tinynas-runner.bin";
    pt::write_fake_runner_image(images + "/tinynas-runner.elf", kBuildVersion);
    pt::write_fake_runner_image(bin_, kBuildVersion);
    ::setenv("FAKE_FLASH_WRITES", (dir_.path() + "/flashed-image").c_str(), 1);
  }

  FarmConfig config() const {
    FarmConfig config = testing::test_config(dir_.path(), 1);
    config.boards_dir = dir_.path();
    config.firmware_dir = dir_.path() + "/fw";
    BoardEntry entry;
    entry.kind = kKind;
    entry.port = "unix:" + dir_.path() + "/runner.sock";
    entry.flash = true;
    config.boards = {entry};
    return config;
  }

  profiler::TempDir dir_;
  pt::FakeFlashTools tools_;  // after dir_: sets FAKE_FLASH_WRITES only in the constructor body
  FakeRunnerOnSocket runner_;
  std::string bin_;
};

TEST_F(FarmFlashTest, ABoardRunningAnotherVersionIsFlashedWithTheBuildsImage) {
  Farm farm(config());
  ASSERT_TRUE(testing::wait_until([&] { return farm.boards()[0].state == BoardState::kIdle; }))
      << farm.boards()[0].last_error;
  EXPECT_EQ(farm.boards()[0].firmware_version, kBuildVersion);
  const std::vector<std::string> expected = {"--reset", "write", bin_, "0x08000000"};
  EXPECT_EQ(tools_.arguments("st-flash"), expected);
}

TEST_F(FarmFlashTest, ABoardWhoseFlashFailsIsQuarantinedWithTheToolsError) {
  tools_.fail_with(2, "Failed to connect to target");
  Farm farm(config());
  ASSERT_TRUE(
      testing::wait_until([&] { return farm.boards()[0].state == BoardState::kQuarantined; }));
  const BoardStatus status = farm.boards()[0];
  EXPECT_NE(status.last_error.find("Failed to connect to target"), std::string::npos)
      << status.last_error;
  EXPECT_EQ(status.consecutive_failures, 1);  // at once, not after quarantine_after_failures
  EXPECT_FALSE(tools_.arguments("st-flash").empty());
}

TEST_F(FarmFlashTest, ABoardOnTheBuildsVersionIsNotFlashed) {
  pt::write_fake_runner_image(dir_.path() + "/flashed-image", kBuildVersion);
  Farm farm(config());
  ASSERT_TRUE(testing::wait_until([&] { return farm.boards()[0].state == BoardState::kIdle; }));
  EXPECT_TRUE(tools_.arguments("st-flash").empty());
}

}  // namespace
}  // namespace tinynas::farm
