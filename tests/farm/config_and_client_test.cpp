// Farm files, farm URLs, the client's timeout, SHA-256 and the JSON round trip of a profile
// result.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "farm/farm_client.h"
#include "farm/farm_config.h"
#include "text/sha256.h"

namespace tinynas::farm {
namespace {

std::string config_error(const nlohmann::json& document) {
  try {
    parse_farm_config(document, "farm.json");
  } catch (const FarmConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(FarmConfig, TheShippedLocalQemuFarmHasTwoEmulatedCortexM4Boards) {
  const FarmConfig config =
      load_farm_config(std::string(TINYNAS_SOURCE_DIR) + "/configs/farms/local-qemu.json");
  ASSERT_EQ(config.boards.size(), 1u);
  EXPECT_EQ(config.boards[0].kind, "qemu-mps2-an386");
  EXPECT_EQ(config.boards[0].count, 2);
  EXPECT_TRUE(is_loopback_address(config.listen));
}

TEST(FarmConfig, ParsesBoardsAndLimits) {
  const FarmConfig config =
      parse_farm_config(nlohmann::json::parse(R"({"listen": "0.0.0.0", "port": 9000, "token": "t",
        "database": "x.sqlite",
        "boards": [{"kind": "qemu-mps2-an386", "count": 3},
                   {"kind": "stm32f746g-disco", "port": "/dev/ttyACM0", "baud": 115200}],
        "limits": {"max_body_bytes": 1000, "run_timeout_ms": 5000, "max_attempts": 2}})"),
                        "farm.json");
  EXPECT_EQ(config.port, 9000);
  ASSERT_EQ(config.boards.size(), 2u);
  EXPECT_EQ(config.boards[0].count, 3);
  EXPECT_EQ(*config.boards[1].port, "/dev/ttyACM0");
  EXPECT_EQ(*config.boards[1].baud, 115200);
  EXPECT_EQ(config.limits.max_body_bytes, 1000u);
  EXPECT_EQ(config.limits.run_timeout.count(), 5000);
  EXPECT_EQ(config.limits.max_attempts, 2);
  EXPECT_FALSE(is_loopback_address(config.listen));
}

TEST(FarmConfig, ARealBoardMaySayHowToFlashIt) {
  const FarmConfig config = parse_farm_config(nlohmann::json::parse(R"({"boards": [
        {"kind": "stm32f746g-disco", "port": "/dev/ttyACM0", "flash": {"probe": "st-link"}},
        {"kind": "stm32f746g-disco", "port": "/dev/ttyACM1"}]})"),
                                              "farm.json");
  ASSERT_EQ(config.boards.size(), 2u);
  EXPECT_TRUE(config.boards[0].flash);
  EXPECT_EQ(config.boards[0].flash_probe, "st-link");
  EXPECT_FALSE(config.boards[1].flash);
  const std::string emulated = config_error(nlohmann::json::parse(
      R"({"boards": [{"kind": "qemu-mps2-an386", "flash": {"probe": "jtag"}}]})"));
  EXPECT_NE(emulated.find("boards[0].flash: expected only for a board on a \"port\""),
            std::string::npos)
      << emulated;
  EXPECT_NE(emulated.find("boards[0].flash.probe"), std::string::npos) << emulated;
}

TEST(FarmConfig, NamesTheFieldThatIsWrong) {
  EXPECT_NE(config_error(nlohmann::json::parse(R"({"boards": []})")).find("boards"),
            std::string::npos);
  EXPECT_NE(config_error(nlohmann::json::parse(R"({"boards": [{"kind": "k"}], "prot": 1})"))
                .find("prot: expected a known key ("),
            std::string::npos);
  EXPECT_NE(config_error(nlohmann::json::parse(R"({"boards": [{"kind": "k", "count": 0}]})"))
                .find("boards[0].count"),
            std::string::npos);
  EXPECT_NE(config_error(nlohmann::json::parse(R"({"boards": [{"kind": "k"}], "port": 70000})"))
                .find("port: expected an integer in [0, 65535], found 70000"),
            std::string::npos);
  EXPECT_NE(config_error(nlohmann::json::parse(R"({"boards": [{"kind": "k"}], "listen": "x.y"})"))
                .find("listen"),
            std::string::npos);
  EXPECT_NE(config_error(
                nlohmann::json::parse(R"({"boards": [{"kind": "k"}], "limits": {"max_body": 5}})"))
                .find("limits.max_body"),
            std::string::npos);
}

TEST(FarmConfig, ReportsEveryBadFieldAtOnce) {
  try {
    parse_farm_config(nlohmann::json::parse(R"({"port": -1, "listen": "x.y", "token": 5,
        "boards": [{"kind": "k", "count": 0}, {"port": "/dev/ttyACM0", "count": 2}, 7],
        "limits": {"run_timeout_ms": 0, "max_body": 5}})"),
                      "farm.json");
    FAIL() << "expected FarmConfigError";
  } catch (const FarmConfigError& e) {
    std::vector<std::string> paths;
    for (const config::FieldError& field : e.errors()) paths.push_back(field.path);
    EXPECT_EQ(paths,
              (std::vector<std::string>{"port", "token", "limits.max_body", "limits.run_timeout_ms",
                                        "boards[0].count", "boards[1].kind", "boards[1].count",
                                        "boards[2]", "listen"}))
        << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("farm.json: 9 errors\n  port: ", 0), 0u) << e.what();
  }
}

TEST(FarmConfig, FileErrorsAreFarmConfigErrors) {
  EXPECT_THROW(load_farm_config("/nonexistent/farm.json"), FarmConfigError);
}

TEST(FarmUrl, ParsesHostAndPort) {
  EXPECT_EQ(parse_farm_url("http://127.0.0.1:8470").port, "8470");
  EXPECT_EQ(parse_farm_url("http://farm.local:1/").host, "farm.local");
  EXPECT_EQ(parse_farm_url("http://[::1]:8470").host, "::1");
  EXPECT_EQ(parse_farm_url("http://[::1]:8470").port, "8470");
  EXPECT_THROW(parse_farm_url("https://x:1"), FarmClientError);
  EXPECT_THROW(parse_farm_url("http://x:1/v1/jobs"), FarmClientError);
  EXPECT_THROW(parse_farm_url("http://:1"), FarmClientError);
}

// A farm host that accepts connections (the kernel does, on a listening socket) and never
// answers, as a hung machine does: the request ends with the client's timeout, as an error
// without an HTTP status (the search then drops that farm).
TEST(FarmClient, AFarmThatConnectsAndNeverAnswersTimesOut) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::acceptor silent(
      context, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  FarmClient client(url, "", std::chrono::milliseconds(200));
  try {
    client.status();
    ADD_FAILURE() << "no error";
  } catch (const FarmClientError& e) {
    EXPECT_EQ(e.http_status(), 0);
    EXPECT_NE(std::string(e.what()).find("farm " + url + ": GET /v1/status"), std::string::npos)
        << e.what();
  }
}

TEST(Sha256, MatchesTheFipsExamples) {
  const std::string abc = "abc";
  EXPECT_EQ(text::sha256_hex(reinterpret_cast<const uint8_t*>(abc.data()), abc.size()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(text::sha256_hex(nullptr, 0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(
      text::sha256_hex(reinterpret_cast<const uint8_t*>(two_blocks.data()), two_blocks.size()),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::vector<uint8_t> million(1000000, 'a');
  EXPECT_EQ(text::sha256_hex(million),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_TRUE(text::is_sha256_hex(text::sha256_hex(million)));
  EXPECT_FALSE(text::is_sha256_hex("CDC76E"));
}

TEST(ProfileResultJson, RoundTripsEveryFigure) {
  profiler::ProfileResult r;
  r.board = "qemu-mps2-an386";
  r.firmware_version = "tinynas-runner 0.1.0";
  r.core = "cortex-m4";
  r.clock_hz = 25000000;
  r.kernel_path = "dsp";
  r.timer = "systick";
  r.port = "unix:/tmp/x";
  r.model_bytes = 1234;
  r.model_crc32 = 0xDEADBEEF;
  r.input = "zeros";
  r.runs = 3;
  r.cycles = 5000000000ull;
  r.total_cycles = 15000000000ull;
  r.min_cycles = 10;
  r.max_cycles = 20;
  r.op_count = 2;
  r.per_op_cycles = {7, 8};
  r.op_kinds = {"conv2d", "add"};
  r.arena_bytes = 100;
  r.planned_arena_bytes = 100;
  r.scratch_bytes = 4;
  r.stack_bytes = 900;
  r.output_bytes = 10;
  r.output_crc32 = 42;
  r.host_compared = true;
  r.output_matches_host = true;
  r.host_output_crc32 = 42;
  const profiler::ProfileResult back = profile_result_from_json(to_json(r));
  EXPECT_EQ(to_json(back), to_json(r));
  nlohmann::json broken = to_json(r);
  broken.erase("cycles");
  try {
    profile_result_from_json(broken);
    FAIL();
  } catch (const FarmClientError& e) {
    EXPECT_NE(std::string(e.what()).find("\"cycles\""), std::string::npos);
  }
}

}  // namespace
}  // namespace tinynas::farm
