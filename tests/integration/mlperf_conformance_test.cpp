// MLPerf Tiny protocol conformance of the tinynas runner and of firmware exported with
// `--protocol mlperf-tiny`, on qemu-mps2-an386 and qemu-netduinoplus2: the boot messages, every
// command and every error path, driven the way the benchmark's reference runner drives a DUT;
// the runner switching to the protocol and back; a pyserial client (the reference runner's
// serial library) on QEMU's UART as a pseudo-terminal; and `tinynas benchmark`.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "deploy/export_build.h"
#include "deploy/export_project.h"
#include "deploy/mlperf_benchmark.h"
#include "engine/compiler/host_runner.h"
#include "engine/runtime/crc32.h"
#include "profiler/child_process.h"
#include "profiler/mlperf_client.h"
#include "profiler/qemu_board.h"
#include "profiler/qemu_pty.h"
#include "profiler/socket_transport.h"
#include "profiler/tty_transport.h"
#include "tests/deploy/export_test_models.h"

namespace tinynas {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;
using profiler::MlperfClient;

constexpr auto kBootTimeout = std::chrono::seconds(15);

bool have(const char* program) {
  return std::system((std::string("command -v ") + program + " > /dev/null 2>&1").c_str()) == 0;
}

std::string crc_name(const compiler::LoadedModel& model) {
  char name[16];
  std::snprintf(name, sizeof(name), "tnm-%08x", runtime::crc32(model.data(), model.size()));
  return name;
}

// The exported --protocol mlperf-tiny firmware of the test model for `board`, built once per
// process in a directory of its own per `purpose` (ctest runs tests in parallel processes).
const std::string& mlperf_export_elf(const std::string& board, const std::string& purpose) {
  static std::map<std::string, std::string> built;
  const std::string key = board + "-" + purpose;
  auto found = built.find(key);
  if (found != built.end()) return found->second;
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / ("mlperf-" + key);
  // Re-exported over the previous export (its build/ stays for ccache-friendly rebuilds).
  if (!fs::exists(dir / deploy::kExportManifestName)) fs::remove_all(dir);
  const deploy::ExportSource source{
      testing::fashion_shaped_model(), "mlperf-conformance", "", "", std::nullopt, nullptr, {}};
  deploy::ExportWriteOptions options;
  options.serial_protocol = deploy::kSerialProtocolMlperfTiny;
  const deploy::ExportProject project =
      deploy::write_export_project(source, profiler::find_board_spec(board), dir.string(), options);
  return built[key] = deploy::build_export_project(project.dir).elf;
}

// QEMU booting `elf` with its UART on a unix socket that QEMU waits on before it starts the
// CPU, so the boot messages are not lost.
class WaitingQemu {
 public:
  WaitingQemu(const std::string& board, const std::string& elf) : dir_("tinynas-mlperf-") {
    const std::string socket = dir_.path() + "/serial.sock";
    process_ = std::make_unique<profiler::ChildProcess>(
        profiler::qemu_command_line_with_serial(profiler::find_board_spec(board), elf,
                                                "unix:" + socket + ",server=on,wait=on"),
        dir_.path() + "/qemu.log");
    line_ = profiler::connect_unix_socket(socket, kBootTimeout);
  }
  profiler::Transport& line() { return *line_; }

 private:
  profiler::TempDir dir_;
  std::unique_ptr<profiler::ChildProcess> process_;
  std::unique_ptr<profiler::Transport> line_;
};

// Lines from the DUT up to and with "m-ready", without sending anything (the boot messages).
Lines read_until_ready(profiler::Transport& line) {
  Lines lines;
  std::string pending;
  const auto deadline = std::chrono::steady_clock::now() + kBootTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    uint8_t buffer[256];
    const profiler::ReadResult read =
        line.read(buffer, sizeof(buffer), std::chrono::milliseconds(100));
    if (read.timed_out()) continue;
    pending.append(reinterpret_cast<const char*>(buffer), read.bytes);
    for (auto end = pending.find("\r\n"); end != std::string::npos; end = pending.find("\r\n")) {
      lines.push_back(pending.substr(0, end));
      pending.erase(0, end + 2);
      if (lines.back() == "m-ready") return lines;
    }
  }
  ADD_FAILURE() << "no m-ready at boot; got " << lines.size() << " lines";
  return lines;
}

// Every command and every error path of the protocol, against the fashion-shaped test model.
void expect_conformance(MlperfClient& dut, const compiler::LoadedModel& model,
                        const std::string& name) {
  const runtime::TensorInfo input = model.view().tensor(model.view().input_tensor());
  const runtime::TensorInfo output = model.view().tensor(model.view().output_tensor());
  const std::string n = std::to_string(input.size_bytes);

  EXPECT_EQ(dut.command("name"), Lines{"m-name-dut-[" + name + "]"});
  const Lines profile = dut.command("profile");
  ASSERT_EQ(profile.size(), 2u);
  EXPECT_TRUE(std::regex_match(profile[0], std::regex(R"(m-profile-\[tinynas-.+\])")))
      << profile[0];
  EXPECT_EQ(profile[1], "m-model-[" + crc_name(model) + "]");
  const Lines t0 = dut.command("timestamp");
  const Lines t1 = dut.command("timestamp");
  ASSERT_EQ(t0.size(), 1u);
  ASSERT_EQ(t1.size(), 1u);
  const std::regex lap(R"(m-lap-us-([0-9]+))");
  std::smatch a, b;
  ASSERT_TRUE(std::regex_match(t0[0], a, lap)) << t0[0];
  ASSERT_TRUE(std::regex_match(t1[0], b, lap)) << t1[0];
  EXPECT_LE(std::stoull(a[1]), std::stoull(b[1]));
  for (const std::string& line : dut.command("help")) EXPECT_EQ(line.rfind("m-help-", 0), 0u);

  // Bad input: an e-[...] line, and the DUT answers the next command.
  EXPECT_EQ(dut.command("bogus"), Lines{"e-[Unknown command: bogus]"});
  EXPECT_EQ(dut.command(std::string(81, 'x')), Lines{"e-[Command longer than 80 characters]"});
  EXPECT_EQ(dut.command("db"), Lines{"e-[Command 'db' requires a subcommand]"});
  EXPECT_EQ(dut.command("db load"), Lines{"e-[Command 'db load' requires the # of bytes]"});
  EXPECT_EQ(dut.command("db load 0"), Lines{"e-[Command 'db load' must be >0 bytes]"});
  EXPECT_EQ(dut.command("db load " + std::to_string(input.size_bytes + 1)),
            Lines{"e-[Supplied buffer size " + std::to_string(input.size_bytes + 1) +
                  " exceeds maximum of " + n + "]"});
  EXPECT_EQ(dut.command("infer 0"), Lines{"e-[Inference iterations must be >0]"});
  EXPECT_EQ(dut.command("infer 1 -1"), Lines{"e-[Inference warmup must be >=0]"});
  EXPECT_EQ(dut.command("results"), Lines{"e-[No results: run 'infer' first]"});
  EXPECT_EQ(dut.command("db load 4"), Lines{"m-[Expecting 4 bytes]"});
  EXPECT_EQ(dut.command("db 0g12"), Lines{"e-[Invalid hex digit 'g']"});
  EXPECT_EQ(dut.command("db 012"), Lines{"e-[Insufficient number of hex digits]"});
  EXPECT_EQ(dut.command("db 0102"), Lines{});
  EXPECT_EQ(dut.command("db load 2"),
            (Lines{"e-[db load while 2 of 4 bytes were still expected: restarted]",
                   "m-[Expecting 2 bytes]"}));
  EXPECT_EQ(dut.command("db a1a2a3"),
            (Lines{"m-load-done", "e-[1 bytes past the announced 2 ignored]"}));
  EXPECT_EQ(dut.command("db print"), Lines{"m-buffer-a1-a2"});
  EXPECT_EQ(dut.command("db 00"),
            Lines{"e-[All announced bytes arrived: 'db load N' starts a new transfer]"});
  EXPECT_EQ(dut.command("infer 1 0"),
            Lines{"e-[The model takes " + n + " input bytes; 'db' holds 2]"});
  EXPECT_EQ(dut.command(""), Lines{});

  // A real run: the scores are the host engine's output, dequantized.
  std::vector<int8_t> sample(input.size_bytes);
  compiler::fill_pseudo_random(sample.data(), input.size_bytes, 5);
  compiler::HostRunOptions host;
  host.pattern = compiler::InputPattern::kBytes;
  host.input = sample;
  const compiler::HostRunResult expected = compiler::run_on_host(model, host);
  const std::vector<uint8_t> bytes(sample.begin(), sample.end());
  dut.load(bytes);
  const Lines printed = dut.command("db print");
  ASSERT_EQ(printed.size(), (bytes.size() + 7) / 8);
  char first[64];
  std::snprintf(first, sizeof(first), "m-buffer-%02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
  EXPECT_EQ(printed[0], first);

  const Lines infer = dut.command("infer 3 1");
  ASSERT_EQ(infer.size(), 7u);
  EXPECT_EQ(infer[0], "m-warmup-start-1");
  EXPECT_EQ(infer[1], "m-warmup-done");
  EXPECT_EQ(infer[2], "m-infer-start-3");
  ASSERT_TRUE(std::regex_match(infer[3], a, lap)) << infer[3];
  ASSERT_TRUE(std::regex_match(infer[4], b, lap)) << infer[4];
  EXPECT_LT(std::stoull(a[1]), std::stoull(b[1]));
  EXPECT_EQ(infer[5], "m-infer-done");
  std::vector<float> scores;
  ASSERT_TRUE(profiler::parse_mlperf_results(infer[6], scores)) << infer[6];
  ASSERT_EQ(scores.size(), output.size_bytes);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const float want = output.scale * static_cast<float>(expected.output[i] - output.zero_point);
    EXPECT_NEAR(scores[i], want, 0.0006) << "score " << i;
  }
  EXPECT_EQ(dut.command("results"), Lines{infer[6]});
  // The client's own view of the same exchange.
  const profiler::MlperfInference again = dut.infer(2, 0);
  EXPECT_EQ(again.results, scores);
  EXPECT_GT(again.elapsed_us(), 0u);
}

class MlperfConformance : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!have("arm-none-eabi-gcc")) GTEST_SKIP() << "arm-none-eabi-gcc not installed";
  }
};

TEST_P(MlperfConformance, ExportedFirmwareBootsSpeakingMlperfTinyAndAnswersEveryCommand) {
  const compiler::LoadedModel model = testing::fashion_shaped_model();
  WaitingQemu qemu(GetParam(), mlperf_export_elf(GetParam(), "conformance"));
  const Lines boot = read_until_ready(qemu.line());
  ASSERT_EQ(boot.size(), 4u);
  EXPECT_EQ(boot[0], "m-timestamp-mode-performance");
  EXPECT_TRUE(std::regex_match(boot[1], std::regex("m-lap-us-[0-9]+"))) << boot[1];
  EXPECT_EQ(boot[2], "m-init-done");
  EXPECT_EQ(boot[3], "m-ready");
  MlperfClient dut(qemu.line());
  expect_conformance(dut, model, std::string("tinynas ") + GetParam());
}

TEST_P(MlperfConformance, RunnerSwitchesToMlperfTinyAnswersEveryCommandAndSwitchesBack) {
  const compiler::LoadedModel model = testing::fashion_shaped_model();
  profiler::QemuBoard board(profiler::find_board_spec(GetParam()));
  board.client().load_model(model.bytes());
  {
    MlperfClient dut(board.client().transport());
    expect_conformance(dut, model, std::string("tinynas-runner ") + GetParam());
  }
  // A tinynas host takes the line back (BoardClient resyncs with a 0x00 first).
  board.client().resync();
  EXPECT_EQ(board.client().hello().board, GetParam());
  const profiler::protocol::RunReply run =
      board.client().run(1, profiler::protocol::InputMode::kPseudoRandom, 3);
  EXPECT_GT(run.total_cycles, 0u);
}

INSTANTIATE_TEST_SUITE_P(Boards, MlperfConformance,
                         ::testing::Values("qemu-mps2-an386", "qemu-netduinoplus2"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           std::string name = param.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(MlperfPseudoTerminal, PyserialAndTinynasBenchmarkDriveTheExportedFirmwareThroughAPty) {
  if (!have("arm-none-eabi-gcc")) GTEST_SKIP() << "arm-none-eabi-gcc not installed";
  if (std::system("/usr/bin/python3 -c 'import serial' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-serial not installed (scripts/setup installs it)";
  }
  const compiler::LoadedModel model = testing::fashion_shaped_model();
  const uint32_t input_bytes = model.view().tensor(model.view().input_tensor()).size_bytes;
  profiler::QemuPty qemu(profiler::find_board_spec("qemu-mps2-an386"),
                         mlperf_export_elf("qemu-mps2-an386", "pty"));
  const std::string script =
      std::string(TINYNAS_SOURCE_DIR) + "/tests/integration/mlperf_pyserial_client.py";
  const std::string command = "/usr/bin/python3 " + script + " " + qemu.path() + " " +
                              std::to_string(input_bytes) + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.rfind("m-results-[", 0), 0u) << out;

  // The same pty through the termios transport `tinynas benchmark --port /dev/pts/N` uses.
  profiler::TtyTransport tty(qemu.path(), 115200);
  MlperfClient dut(tty);
  dut.flush();
  deploy::PerformanceOptions options;
  options.windows = 3;
  options.iterations = 2;
  const deploy::PerformanceResult result =
      deploy::run_performance(dut, deploy::pseudo_random_input(input_bytes, 1), options);
  ASSERT_EQ(result.windows.size(), 3u);
  EXPECT_GT(result.median_inferences_per_second, 0.0);
  EXPECT_EQ(result.windows[0].results, result.windows[2].results);
}

TEST(MlperfBenchmarkCommand, ReportsInferencesPerSecondAndAccuracyWithWhereTheyWereMeasured) {
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / "benchmark-cli";
  fs::create_directories(dir);
  const compiler::LoadedModel model = testing::fashion_shaped_model();
  {
    std::ofstream out(dir / "model.tnm", std::ios::binary);
    const std::vector<uint8_t> bytes = model.bytes();
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  // A raw dataset in the benchmark's layout: y_labels.csv and one input file per sample.
  const uint32_t input_bytes = model.view().tensor(model.view().input_tensor()).size_bytes;
  {
    std::ofstream labels(dir / "y_labels.csv");
    for (int i = 0; i < 4; ++i) {
      const std::string file = "sample" + std::to_string(i) + ".bin";
      const std::vector<uint8_t> bytes = deploy::pseudo_random_input(input_bytes, 10 + i);
      std::ofstream(dir / file, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      labels << file << ", 10, " << i << "\n";
    }
  }
  const std::string cli = TINYNAS_CLI;
  const std::string performance = (dir / "performance.json").string();
  const std::string accuracy = (dir / "accuracy.json").string();
  ASSERT_EQ(std::system((cli + " benchmark " + (dir / "model.tnm").string() +
                         " --board qemu-mps2-an386 --windows 3 --iterations 2 --report " +
                         performance + " > /dev/null")
                            .c_str()),
            0);
  ASSERT_EQ(std::system((cli + " benchmark " + (dir / "model.tnm").string() +
                         " --board qemu-netduinoplus2 --mode accuracy --dataset " + dir.string() +
                         " --report " + accuracy + " > /dev/null")
                            .c_str()),
            0);
  const nlohmann::json perf = nlohmann::json::parse(std::ifstream(performance));
  EXPECT_EQ(perf["board"], "qemu-mps2-an386");
  EXPECT_EQ(perf["dut_model"], crc_name(model));
  EXPECT_NE(perf["firmware"].get<std::string>().find("tinynas-runner"), std::string::npos);
  EXPECT_FALSE(perf["host_machine"].get<std::string>().empty());
  EXPECT_EQ(perf["performance"]["windows"].size(), 3u);
  EXPECT_GT(perf["performance"]["median_inferences_per_second"].get<double>(), 0.0);
  const nlohmann::json acc = nlohmann::json::parse(std::ifstream(accuracy));
  EXPECT_EQ(acc["accuracy"]["samples"], 4);
  EXPECT_GE(acc["accuracy"]["top1"].get<double>(), 0.0);
  EXPECT_LE(acc["accuracy"]["top1"].get<double>(), 1.0);
}

}  // namespace
}  // namespace tinynas
