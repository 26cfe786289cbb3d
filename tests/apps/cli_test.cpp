// The `tinynas` command as a user runs it: exit codes, the figures it prints, and the messages
// it gives for bad input (each names the file and what is wrong).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "datasets/image_decoding.h"
#include "datasets/image_encoding.h"
#include "engine/runtime/model_format.h"
#include "tests/apps/run_shell_command.h"

namespace {

namespace fs = std::filesystem;

using tinynas::testing::CommandResult;
using tinynas::testing::run_shell_command;

// `environment`: assignments put before the command ("PATH=/x:$PATH").
CommandResult run_tinynas(const std::string& arguments, const std::string& environment = "") {
  return run_shell_command(environment + " " + std::string(TINYNAS_EXECUTABLE) + " " + arguments);
}

// `env ENVIRONMENT tinynas ARGUMENTS`, stopped after `timeout_seconds`.
CommandResult run_tinynas_with(const std::string& environment, const std::string& arguments,
                               int timeout_seconds = 60) {
  return run_shell_command("timeout " + std::to_string(timeout_seconds) + " env " + environment +
                           " " + TINYNAS_EXECUTABLE + " " + arguments);
}

std::string source_path(const std::string& relative) {
  return std::string(TINYNAS_SOURCE_DIR) + "/" + relative;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("tinynas-cli-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string write_file(const std::string& name, const std::string& text) {
    const fs::path path = directory_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::string path(const std::string& name) const { return (directory_ / name).string(); }
  // sample.tnm compiled from kSampleArch with random weights; "" (and a failure) if it fails.
  std::string sample_model();

  fs::path directory_;
};

constexpr const char* kMcunetIn3 = "configs/nets/mcunet-in3.json";
constexpr const char* kSampleArch = "configs/nets/sample-fmnist.arch.json";

std::string CliTest::sample_model() {
  const std::string model = path("sample.tnm");
  const CommandResult compiled =
      run_tinynas("compile --arch " + source_path(kSampleArch) + " --random-weights -o " + model);
  if (compiled.exit_code == 0) return model;
  ADD_FAILURE() << compiled.output;
  return "";
}

TEST_F(CliTest, HelpListsTheEngineCommands) {
  const CommandResult result = run_tinynas("--help");
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command : {"compile", "memory", "run"}) {
    EXPECT_NE(result.output.find(command), std::string::npos) << command;
  }
}

TEST_F(CliTest, MemoryJsonOfMcunetIn3HasTheDocumentedKeysAndFigures) {
  const CommandResult result =
      run_tinynas("memory --net-config " + source_path(kMcunetIn3) + " --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json report = nlohmann::json::parse(result.output);
  for (const char* key : {"peak_sram_bytes", "arena_bytes", "scratch_bytes", "flash_bytes", "macs",
                          "params", "ops"}) {
    EXPECT_TRUE(report.contains(key)) << key;
  }
  EXPECT_EQ(report["peak_sram_bytes"].get<int64_t>(),
            report["arena_bytes"].get<int64_t>() + report["scratch_bytes"].get<int64_t>());
  // MCUNet's 242 kB (TinyEngine) is the bound; see the compiler tests for the derivation.
  EXPECT_LE(report["peak_sram_bytes"].get<int64_t>(), 243 * 1024);
  EXPECT_EQ(report["ops"].size(), 67u);
}

TEST_F(CliTest, CompiledModelReportsTheSameMemoryAsItsDescription) {
  const std::string model = path("sample.tnm");
  const CommandResult compiled =
      run_tinynas("compile --arch " + source_path(kSampleArch) + " --random-weights -o " + model);
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  const CommandResult from_file = run_tinynas("memory " + model + " --json");
  const CommandResult from_arch =
      run_tinynas("memory --arch " + source_path(kSampleArch) + " --json");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.output;
  ASSERT_EQ(from_arch.exit_code, 0) << from_arch.output;
  const nlohmann::json file_report = nlohmann::json::parse(from_file.output);
  const nlohmann::json arch_report = nlohmann::json::parse(from_arch.output);
  for (const char* key :
       {"peak_sram_bytes", "arena_bytes", "scratch_bytes", "flash_bytes", "macs"}) {
    EXPECT_EQ(file_report[key], arch_report[key]) << key;
  }
  EXPECT_EQ(file_report["flash_bytes"].get<int64_t>(), static_cast<int64_t>(fs::file_size(model)));
}

TEST_F(CliTest, RunIsDeterministicAndPrintsTheOutputTensor) {
  const std::string model = sample_model();
  ASSERT_FALSE(model.empty());
  const CommandResult first = run_tinynas("run " + model + " --pattern random --seed 7 --json");
  const CommandResult second = run_tinynas("run " + model + " --pattern random --seed 7 --json");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const nlohmann::json a = nlohmann::json::parse(first.output);
  const nlohmann::json b = nlohmann::json::parse(second.output);
  EXPECT_EQ(a["output"], b["output"]);
  EXPECT_EQ(a["output"].size(), 10u);  // the sample network has 10 classes
  EXPECT_NE(a["board"].get<std::string>().find("host"), std::string::npos);
}

TEST_F(CliTest, MemoryScheduleReportsPlainFusedAndAutoPeaks) {
  const std::string net = "memory --net-config " + source_path(kMcunetIn3) + " --json";
  const CommandResult plain = run_tinynas(net);
  const CommandResult explicit_plain = run_tinynas(net + " --schedule plain");
  const CommandResult fused = run_tinynas(net + " --schedule fused");
  const CommandResult automatic = run_tinynas(net + " --schedule auto");
  for (const CommandResult* result : {&plain, &explicit_plain, &fused, &automatic}) {
    ASSERT_EQ(result->exit_code, 0) << result->output;
  }
  const nlohmann::json p = nlohmann::json::parse(plain.output);
  const nlohmann::json f = nlohmann::json::parse(fused.output);
  const nlohmann::json a = nlohmann::json::parse(automatic.output);
  EXPECT_EQ(p, nlohmann::json::parse(explicit_plain.output));  // plain is the default
  EXPECT_EQ(p["schedule"], "plain");
  EXPECT_EQ(f["schedule"], "fused");
  EXPECT_EQ(f["mac_overhead"], 0);
  EXPECT_EQ(f["macs"], p["macs"]);
  EXPECT_LT(f["peak_sram_bytes"].get<int64_t>(), p["peak_sram_bytes"].get<int64_t>());
  EXPECT_LE(a["peak_sram_bytes"].get<int64_t>(), f["peak_sram_bytes"].get<int64_t>());
  EXPECT_NE(run_tinynas(net + " --schedule patches").exit_code, 0);
}

TEST_F(CliTest, MemorySchedulePatchReportsItsPeakAndMacOverhead) {
  const std::string net = "memory --net-config " + source_path(kMcunetIn3) + " --json";
  const CommandResult plain = run_tinynas(net);
  const CommandResult patch = run_tinynas(net + " --schedule patch");
  const CommandResult automatic = run_tinynas(net + " --schedule auto");
  const CommandResult chosen =
      run_tinynas(net + " --schedule patch --patch-grid 4 --patch-split 6");
  for (const CommandResult* result : {&plain, &patch, &automatic, &chosen}) {
    ASSERT_EQ(result->exit_code, 0) << result->output;
  }
  const nlohmann::json p = nlohmann::json::parse(plain.output);
  const nlohmann::json q = nlohmann::json::parse(patch.output);
  const nlohmann::json a = nlohmann::json::parse(automatic.output);
  const nlohmann::json c = nlohmann::json::parse(chosen.output);
  EXPECT_EQ(q["schedule"], "patch");
  EXPECT_GT(q["mac_overhead"].get<int64_t>(), 0);
  EXPECT_EQ(q["macs"], p["macs"]);
  EXPECT_LT(q["peak_sram_bytes"].get<int64_t>(), p["peak_sram_bytes"].get<int64_t>());
  EXPECT_LE(a["peak_sram_bytes"].get<int64_t>(), q["peak_sram_bytes"].get<int64_t>());
  // Half of TinyEngine's 242 kB for this network: streamed stages (no MAC recomputed), fused
  // blocks, scratch in the arena; the front of what auto considered is reported.
  EXPECT_LE(a["peak_sram_bytes"].get<int64_t>(), 121 * 1024);
  EXPECT_EQ(a["schedule"], "streamed");
  EXPECT_EQ(a["scratch_in_arena"], true);
  EXPECT_EQ(a["mac_overhead"].get<int64_t>(), 0);
  EXPECT_FALSE(a["streamed_stages"].empty());
  ASSERT_FALSE(a["pareto_front"].empty());
  EXPECT_EQ(a["pareto_front"][0]["peak_sram_bytes"], a["peak_sram_bytes"]);
  EXPECT_EQ(c["patch"]["grid"], 4);
  EXPECT_EQ(c["patch"]["split"], 6);
  EXPECT_TRUE(c["ops"][0]["patched"].get<bool>());
  EXPECT_FALSE(c["ops"][6]["patched"].get<bool>());
  EXPECT_GE(c["peak_sram_bytes"].get<int64_t>(), q["peak_sram_bytes"].get<int64_t>());
  // A split inside a residual block (its input is still read by the add) is refused.
  EXPECT_NE(run_tinynas(net + " --schedule patch --patch-grid 2 --patch-split 8").exit_code, 0);
  EXPECT_NE(run_tinynas(net + " --patch-grid 2 --patch-split 6").exit_code, 0);
  const CommandResult text =
      run_tinynas("memory --net-config " + source_path(kMcunetIn3) + " --schedule patch");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("MAC overhead"), std::string::npos) << text.output;
}

TEST_F(CliTest, MemoryAutoTakesAMacOverheadLimit) {
  const std::string net = "memory --net-config " + source_path(kMcunetIn3) + " --json";
  for (const char* limit : {"0", "10", "300"}) {
    const CommandResult result = run_tinynas(net + " --schedule auto --max-mac-overhead " + limit);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const nlohmann::json report = nlohmann::json::parse(result.output);
    EXPECT_LE(report["mac_overhead"].get<double>(),
              std::stod(limit) / 100.0 * report["macs"].get<double>())
        << limit;
  }
  const CommandResult streamed = run_tinynas(net + " --schedule streamed");
  ASSERT_EQ(streamed.exit_code, 0) << streamed.output;
  EXPECT_EQ(nlohmann::json::parse(streamed.output)["schedule"], "streamed");
  // The limit belongs to auto, and is a percentage >= 0.
  EXPECT_NE(run_tinynas(net + " --schedule patch --max-mac-overhead 5").exit_code, 0);
  EXPECT_NE(run_tinynas(net + " --schedule auto --max-mac-overhead -1").exit_code, 0);
}

TEST_F(CliTest, StreamedModelCompilesRunsAndMatchesThePlainModel) {
  const std::string plain = path("plain.tnm");
  const std::string streamed = path("streamed.tnm");
  const std::string compile = "compile --arch " + source_path(kSampleArch) + " --random-weights";
  ASSERT_EQ(run_tinynas(compile + " -o " + plain).exit_code, 0);
  const CommandResult compiled = run_tinynas(compile + " --schedule streamed -o " + streamed);
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  const CommandResult from_file = run_tinynas("memory " + streamed + " --json");
  const CommandResult from_arch =
      run_tinynas("memory --arch " + source_path(kSampleArch) + " --schedule streamed --json");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.output;
  const nlohmann::json file_report = nlohmann::json::parse(from_file.output);
  const nlohmann::json arch_report = nlohmann::json::parse(from_arch.output);
  for (const char* key : {"peak_sram_bytes", "arena_bytes", "scratch_bytes", "schedule",
                          "mac_overhead", "streamed_stages"}) {
    EXPECT_EQ(file_report[key], arch_report[key]) << key;
  }
  const CommandResult run_plain = run_tinynas("run " + plain + " --pattern random --seed 3 --json");
  const CommandResult run_streamed =
      run_tinynas("run " + streamed + " --pattern random --seed 3 --json");
  ASSERT_EQ(run_streamed.exit_code, 0) << run_streamed.output;
  EXPECT_EQ(nlohmann::json::parse(run_streamed.output)["output"],
            nlohmann::json::parse(run_plain.output)["output"]);
}

TEST_F(CliTest, PatchModelCompilesRunsAndMatchesThePlainModel) {
  const std::string plain = path("plain.tnm");
  const std::string patched = path("patch.tnm");
  const std::string compile = "compile --arch " + source_path(kSampleArch) + " --random-weights";
  ASSERT_EQ(run_tinynas(compile + " -o " + plain).exit_code, 0);
  const CommandResult compiled = run_tinynas(compile + " --schedule patch -o " + patched);
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  EXPECT_NE(compiled.output.find("schedule patch"), std::string::npos) << compiled.output;
  const CommandResult from_file = run_tinynas("memory " + patched + " --json");
  const CommandResult from_arch =
      run_tinynas("memory --arch " + source_path(kSampleArch) + " --schedule patch --json");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.output;
  const nlohmann::json file_report = nlohmann::json::parse(from_file.output);
  const nlohmann::json arch_report = nlohmann::json::parse(from_arch.output);
  for (const char* key :
       {"peak_sram_bytes", "arena_bytes", "scratch_bytes", "schedule", "mac_overhead", "patch"}) {
    EXPECT_EQ(file_report[key], arch_report[key]) << key;
  }
  const CommandResult run_plain = run_tinynas("run " + plain + " --pattern random --seed 3 --json");
  const CommandResult run_patch =
      run_tinynas("run " + patched + " --pattern random --seed 3 --json");
  ASSERT_EQ(run_patch.exit_code, 0) << run_patch.output;
  EXPECT_EQ(nlohmann::json::parse(run_patch.output)["output"],
            nlohmann::json::parse(run_plain.output)["output"]);
}

TEST_F(CliTest, FusedModelCompilesRunsAndMatchesThePlainModel) {
  const std::string plain = path("plain.tnm");
  const std::string fused = path("fused.tnm");
  const std::string compile = "compile --arch " + source_path(kSampleArch) + " --random-weights";
  ASSERT_EQ(run_tinynas(compile + " -o " + plain).exit_code, 0);
  const CommandResult compiled = run_tinynas(compile + " --schedule fused -o " + fused);
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  EXPECT_NE(compiled.output.find("schedule fused"), std::string::npos) << compiled.output;
  const CommandResult from_file = run_tinynas("memory " + fused + " --json");
  const CommandResult from_arch =
      run_tinynas("memory --arch " + source_path(kSampleArch) + " --schedule fused --json");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.output;
  const nlohmann::json file_report = nlohmann::json::parse(from_file.output);
  const nlohmann::json arch_report = nlohmann::json::parse(from_arch.output);
  for (const char* key : {"peak_sram_bytes", "arena_bytes", "scratch_bytes", "schedule"}) {
    EXPECT_EQ(file_report[key], arch_report[key]) << key;
  }
  const CommandResult run_plain = run_tinynas("run " + plain + " --pattern random --seed 3 --json");
  const CommandResult run_fused = run_tinynas("run " + fused + " --pattern random --seed 3 --json");
  ASSERT_EQ(run_fused.exit_code, 0) << run_fused.output;
  EXPECT_EQ(nlohmann::json::parse(run_fused.output)["output"],
            nlohmann::json::parse(run_plain.output)["output"]);
}

TEST_F(CliTest, RunRejectsAnInputOfTheWrongSize) {
  const std::string model = sample_model();
  ASSERT_FALSE(model.empty());
  const std::string input = write_file("input.bin", "short");
  const CommandResult result = run_tinynas("run " + model + " --input " + input);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("5 bytes"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("784"), std::string::npos) << result.output;  // 28 x 28 x 1
}

TEST_F(CliTest, CompileWithoutWeightsExplainsWhatToPass) {
  const CommandResult result =
      run_tinynas("compile --arch " + source_path(kSampleArch) + " -o " + path("x.tnm"));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("--random-weights"), std::string::npos) << result.output;
}

// The training-memory table's mcunet-5fps 100 KB row, reordered and not: the README's figures are
// what the command prints.
TEST_F(CliTest, TrainSchemePrintsTheReadmesTrainingPeaks) {
  std::ifstream readme(source_path("README.md"));
  std::string row;
  for (std::string line; std::getline(readme, line);) {
    if (line.find("| `mcunet-5fps-tiny-training-100kb` |") != std::string::npos) row = line;
  }
  ASSERT_FALSE(row.empty()) << "the README's training-memory row";
  std::vector<std::string> figures;
  std::string cell;
  for (size_t i = row.find("` |") + 3; i < row.size(); ++i) {
    if (row[i] == '|') {
      figures.push_back(cell);
      cell.clear();
    } else if (row[i] != ',' && row[i] != ' ') {
      cell += row[i];
    }
  }
  ASSERT_GE(figures.size(), 2u) << row;
  const std::string command = "memory --net-config " +
                              source_path("configs/nets/mcunet-5fps.json") + " --train-scheme " +
                              source_path("configs/schemes/mcunet-5fps-tiny-training-100kb.json");
  const CommandResult reordered = run_tinynas(command);
  EXPECT_EQ(reordered.exit_code, 0) << reordered.output;
  EXPECT_NE(reordered.output.find("training peak SRAM: " + figures[0] + " B"), std::string::npos)
      << reordered.output;
  const CommandResult naive = run_tinynas(command + " --no-reorder");
  EXPECT_NE(naive.output.find("training peak SRAM: " + figures[1] + " B"), std::string::npos)
      << naive.output;
}

// The paper's 100 KB scheme (weight ratios 1/8 and 1/4 among them) compiles into a training
// model whose arena and scratch are what `memory --train-scheme` plans.
TEST_F(CliTest, CompilesTheTinyTraining100KbSchemeAtThePlannedArena) {
  const std::string scheme = source_path("configs/schemes/mcunet-5fps-tiny-training-100kb.json");
  const std::string net = source_path("configs/nets/mcunet-5fps.json");
  const CommandResult compiled =
      run_tinynas("compile --net-config " + net + " --random-weights --train-scheme " + scheme +
                  " -o " + path("train.tnm"));
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  std::ifstream file(path("train.tnm"), std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 64u);
  auto u32 = [&](size_t at) {
    uint32_t value = 0;
    for (int b = 3; b >= 0; --b) value = value << 8 | static_cast<uint8_t>(bytes[at + b]);
    return value;
  };
  const uint32_t arena = u32(tinynas::runtime::header::kArenaSize);
  const uint32_t scratch = u32(tinynas::runtime::header::kScratchSize);
  const CommandResult planned =
      run_tinynas("memory --net-config " + net + " --train-scheme " + scheme);
  ASSERT_EQ(planned.exit_code, 0) << planned.output;
  EXPECT_NE(planned.output.find("= arena " + std::to_string(arena) + " B + scratch " +
                                std::to_string(scratch) + " B"),
            std::string::npos)
      << "file arena " << arena << " scratch " << scratch << "\n"
      << planned.output;
}

TEST_F(CliTest, TrainSchemeThatDoesNotMatchTheModelNamesTheLayer) {
  const std::string scheme = write_file("scheme.json", R"({
    "format": "tinynas-scheme/1",
    "layers": [{"name": "classifier", "bias": true}, {"name": "blocks.42.expand", "bias": true}]})");
  const CommandResult result =
      run_tinynas("memory --arch " + source_path(kSampleArch) + " --train-scheme " + scheme);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("scheme.json"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("blocks.42.expand"), std::string::npos) << result.output;
}

TEST_F(CliTest, NoReorderNeedsATrainScheme) {
  const CommandResult result =
      run_tinynas("memory --arch " + source_path(kSampleArch) + " --no-reorder");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("--train-scheme"), std::string::npos) << result.output;
}

TEST_F(CliTest, MissingFileIsNamed) {
  const CommandResult result = run_tinynas("memory --arch " + path("nowhere.json"));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("nowhere.json"), std::string::npos) << result.output;
}

TEST_F(CliTest, InvalidJsonNamesFileAndLine) {
  const std::string file =
      write_file("broken.json", "{\n  \"format\": \"tinynas-arch/1\",\n  oops\n}");
  const CommandResult result = run_tinynas("memory --arch " + file);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("broken.json:3"), std::string::npos) << result.output;
}

TEST_F(CliTest, UnknownBlockNameIsNamedWithItsPath) {
  const std::string file = write_file("net.json", R"({
    "name": "ProxylessNASNets", "resolution": 32,
    "first_conv": {"name": "ConvLayer", "in_channels": 3, "out_channels": 8, "kernel_size": 3,
                   "stride": 2, "act_func": "relu6"},
    "blocks": [{"name": "SqueezeExciteBlock"}],
    "feature_mix_layer": null,
    "classifier": {"name": "LinearLayer", "in_features": 8, "out_features": 10}})");
  const CommandResult result = run_tinynas("memory --net-config " + file);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("blocks[0]"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("SqueezeExciteBlock"), std::string::npos) << result.output;
}

TEST_F(CliTest, NegativeChannelsAndUnsupportedKernelAreNamedWithTheirPath) {
  const std::string negative = write_file("negative.json", R"({
    "format": "tinynas-arch/1", "resolution": 28, "input_channels": 1, "num_classes": 10,
    "first_conv": {"out_channels": -4, "kernel_size": 3, "stride": 2}, "blocks": []})");
  CommandResult result = run_tinynas("memory --arch " + negative);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("first_conv.out_channels"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("-4"), std::string::npos) << result.output;

  const std::string kernel = write_file("kernel.json", R"({
    "format": "tinynas-arch/1", "resolution": 28, "input_channels": 1, "num_classes": 10,
    "first_conv": {"out_channels": 8, "kernel_size": 3, "stride": 2},
    "blocks": [{"out_channels": 8, "kernel_size": 4, "expand_ratio": 3}]})");
  result = run_tinynas("memory --arch " + kernel);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("blocks[0].kernel_size"), std::string::npos) << result.output;
}

#ifdef TINYNAS_WITH_SEARCH
TEST_F(CliTest, SearchWithABadJobPrintsEveryErrorWithItsPath) {
  nlohmann::json job = {
      {"format", "tinynas-search/0"},
      {"board", "no-such-board"},
      {"constraints", {{"peak_sram_bytes", -5}}},
      {"dataset",
       {{"kind", "synthetic"}, {"synthetic_train_size", 64}, {"synthetic_test_size", 32}}},
      {"space", source_path("configs/spaces/fmnist-r28-w1.0.json")},
      {"supernet", {{"train", nlohmann::json::object()}}},
      {"evolution", {{"population", 0}, {"populaton", 10}}},
      {"output_dir", path("runs")}};
  const std::string file = write_file("job.json", job.dump(2));
  const CommandResult result = run_tinynas("search " + file);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find(file + ": 5 errors\n"), std::string::npos) << result.output;
  for (const char* line :
       {"\n  format: expected \"tinynas-search/1\", found \"tinynas-search/0\"",
        "\n  board: expected a known board kind",
        "\n  constraints.peak_sram_bytes: expected an integer in [1, ",
        "\n  evolution.populaton: expected a known key",
        "\n  evolution.population: expected an integer in [2, 100000], found 0"}) {
    EXPECT_NE(result.output.find(line), std::string::npos) << line << "\n" << result.output;
  }
  EXPECT_FALSE(fs::exists(path("runs"))) << "nothing runs before the job is valid";
}
#endif

TEST_F(CliTest, CorruptModelFileIsRefusedWithTheReason) {
  const std::string model = sample_model();
  ASSERT_FALSE(model.empty());
  {
    std::fstream file(model, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(200);
    file.put('\x5a');
  }
  for (const char* command : {"memory ", "run "}) {
    const CommandResult result = run_tinynas(command + model);
    EXPECT_NE(result.exit_code, 0) << command;
    EXPECT_NE(result.output.find("sample.tnm"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("checksum"), std::string::npos) << result.output;
  }
}

// A farm file of one emulated board.
nlohmann::json farm_json(const std::string& database, const std::string& listen) {
  return {{"listen", listen},
          {"port", 0},
          {"database", database},
          {"boards", {{{"kind", "qemu-mps2-an386"}, {"count", 1}}}}};
}

TEST_F(CliTest, FarmServeWithAListenValueThatIsNoAddressNamesIt) {
  const std::string database = path("farm.sqlite");
  const std::string farm = write_file("farm.json", farm_json(database, "127.0.0.1").dump());
  const CommandResult result =
      run_tinynas_with("TINYNAS_FARM_TOKEN=t", "farm serve " + farm + " --listen foo");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("listen: expected an IP address or localhost, found \"foo\""),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(database));
}

TEST_F(CliTest, FarmServeBeyondLoopbackWithoutATokenIsRefusedBeforeAnythingStarts) {
  const std::string database = path("farm.sqlite");
  const std::string farm = write_file("farm.json", farm_json(database, "0.0.0.0").dump());
  const CommandResult result = run_tinynas_with("-u TINYNAS_FARM_TOKEN", "farm serve " + farm);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("token"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(database)) << "the database was created before the refusal";
}

TEST_F(CliTest, ProfileRunsZeroSaysWhatIsExpected) {
  const std::string model = sample_model();
  ASSERT_FALSE(model.empty());
  const CommandResult result =
      run_tinynas("profile " + model + " --board qemu-mps2-an386 --runs 0");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("--runs"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("4294967295"), std::string::npos) << result.output;
  EXPECT_LT(result.output.size(), 300u) << result.output;
}

TEST_F(CliTest, ProfilePortThatIsARegularFileSaysSo) {
  const std::string model = sample_model();
  ASSERT_FALSE(model.empty());
  const std::string not_a_port = write_file("ttyFAKE", "");
  const CommandResult result =
      run_tinynas("profile " + model + " --board stm32f746g-disco --port " + not_a_port);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find(not_a_port + ": not a serial device (a regular file)"),
            std::string::npos)
      << result.output;
  const CommandResult missing =
      run_tinynas("profile " + model + " --board stm32f746g-disco --port " + path("ttyNONE"));
  EXPECT_NE(missing.output.find(path("ttyNONE") + ": no such serial port"), std::string::npos)
      << missing.output;
  EXPECT_EQ(missing.output.find("Success"), std::string::npos) << missing.output;
}

TEST_F(CliTest, ProfileOfAnInvalidModelFailsBeforeAnyBoardIsStarted) {
  const std::string model = write_file("bad.tnm", std::string(100, 'x'));
  // A board that could not start at all: only a check on the host can answer first.
  const CommandResult result = run_tinynas(
      "profile " + model + " --board qemu-mps2-an386 --firmware " + path("no-runner.elf"));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("bad.tnm: not a valid .tnm model"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("no-runner.elf"), std::string::npos) << result.output;
}

#ifdef TINYNAS_WITH_SEARCH
TEST_F(CliTest, SearchWithADirectoryAsItsSpaceSaysSo) {
  const std::string job =
      write_file("job.json", nlohmann::json({{"format", "tinynas-search/1"},
                                             {"board", "qemu-mps2-an386"},
                                             {"space", source_path("configs/spaces")},
                                             {"dataset", {{"kind", "synthetic"}}},
                                             {"output_dir", path("runs")}})
                                 .dump());
  const CommandResult result = run_tinynas("search " + job);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("space: expected a readable search-space file"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("configs/spaces: is a directory"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("invalid JSON"), std::string::npos) << result.output;
}

TEST_F(CliTest, TrainWithABadJobPrintsEveryError) {
  const std::string job = write_file(
      "train.json",
      nlohmann::json(
          {{"format", "tinynas-train/1"},
           {"space", source_path("configs/spaces/fmnist-r28-w1.0.json")},
           {"dataset",
            {{"kind", "synthetic"}, {"synthetic_train_size", 64}, {"synthetic_test_size", 16}}},
           {"output_dir", path("runs")},
           {"seed", -1},
           {"batch_size", 0},
           {"eval_batch_size", 8},
           {"bn_calibration_batches", 1},
           {"optimizer", {{"kind", "sgd"}}},
           {"phases", nlohmann::json::array()}})
          .dump());
  const CommandResult result = run_tinynas("train " + job);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find(job + ": 3 errors\n"), std::string::npos) << result.output;
  for (const char* line : {"\n  seed: expected an integer in [0, ", "\n  batch_size: expected",
                           "\n  phases: expected a non-empty array"}) {
    EXPECT_NE(result.output.find(line), std::string::npos) << line << "\n" << result.output;
  }
}

TEST_F(CliTest, SearchWithAnUnreachableFarmFailsBeforeStageOne) {
  std::ifstream quickstart(source_path("configs/jobs/quickstart.json"));
  nlohmann::json document = nlohmann::json::parse(quickstart);
  document["dataset"] = {
      {"kind", "synthetic"}, {"synthetic_train_size", 64}, {"synthetic_test_size", 32}};
  document["space"] = source_path("configs/spaces/fmnist-r28-k3.json");
  document["farm"] = "http://127.0.0.1:1";
  document["output_dir"] = path("runs");
  const std::string job = write_file("job.json", document.dump());
  const CommandResult result = run_tinynas_with("-u TINYNAS_FARM_TOKEN", "search " + job, 120);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("farm http://127.0.0.1:1"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("stage 1"), std::string::npos) << result.output;
}
#endif

// scripts/compare-predictions on two `eval --predictions` files: A right on all 20 images, B
// wrong on the first 3, so 3 discordant images all A's: McNemar's exact p = 2 / 2^3.
TEST_F(CliTest, ComparePredictionsCountsTheImagesOnlyOneGetsRight) {
  std::string a = "image,label,float,int8\n";
  std::string b = a;
  for (int i = 0; i < 20; ++i) {
    const std::string label = std::to_string(i % 10);
    a += std::to_string(i) + "," + label + "," + label + "," + label + "\n";
    const std::string wrong = i < 3 ? std::to_string((i + 1) % 10) : label;
    b += std::to_string(i) + "," + label + "," + wrong + "," + label + "\n";
  }
  const std::string script = source_path("scripts/compare-predictions");
  const std::string files = write_file("a.csv", a) + " " + write_file("b.csv", b);
  const CommandResult result = run_shell_command(script + " " + files);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* line : {"A: 100.00%", "B: 85.00%", "right in A only: 3, in B only: 0",
                           "A - B: +15.00 points", "McNemar exact p = 0.250"}) {
    EXPECT_NE(result.output.find(line), std::string::npos) << line << "\n" << result.output;
  }
  const CommandResult int8 = run_shell_command(script + " " + files + " --column int8");
  EXPECT_NE(int8.output.find("McNemar exact p = 1.000"), std::string::npos) << int8.output;

  const std::string bad = write_file("bad.csv", "image,label,float\n0,1,1\n2,1,1\n");
  const CommandResult refused = run_shell_command(script + " " + path("a.csv") + " " + bad);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("bad.csv:3: expected image 1"), std::string::npos)
      << refused.output;
}

// An accuracy run of no samples is refused by the option itself, before a board boots.
TEST_F(CliTest, BenchmarkRefusesZeroSamples) {
  const CommandResult result =
      run_tinynas("benchmark " + source_path(kSampleArch) +
                  " --board qemu-mps2-an386 --mode accuracy --dataset . --samples 0");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("--samples: Value 0 not in range 1 to"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("DUT"), std::string::npos) << result.output;
}

TEST_F(CliTest, ExportWritesATfliteFileAndKeepsAnExistingOne) {
  const std::string model = path("sample.tnm");
  ASSERT_EQ(
      run_tinynas("compile --arch " + source_path(kSampleArch) + " --random-weights -o " + model)
          .exit_code,
      0);
  const std::string tflite = path("sample.tflite");
  const std::string export_command = "export " + model + " --format tflite -o " + tflite;
  const CommandResult exported = run_tinynas(export_command);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  std::ifstream file(tflite, std::ios::binary);
  std::string head(8, '\0');
  file.read(head.data(), 8);
  EXPECT_EQ(head.substr(4), "TFL3");  // the flatbuffer's file identifier

  const CommandResult again = run_tinynas(export_command);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("exists (use --force"), std::string::npos) << again.output;
  EXPECT_EQ(run_tinynas(export_command + " --force").exit_code, 0);

  const CommandResult no_output = run_tinynas("export " + model + " --format tflite");
  EXPECT_NE(no_output.exit_code, 0);
  EXPECT_NE(no_output.output.find("needs -o FILE"), std::string::npos) << no_output.output;
  const CommandResult no_board = run_tinynas("export " + model + " --out " + path("project"));
  EXPECT_NE(no_board.exit_code, 0);
  EXPECT_NE(no_board.output.find("needs --board KIND"), std::string::npos) << no_board.output;
  EXPECT_NE(run_tinynas("export " + model + " --format onnx -o " + path("m.onnx")).exit_code, 0);
}

// A .tflite (one of the importer's generated models, kept as a fuzz seed) through `import` and
// `--tflite`.
constexpr const char* kTfliteModel = "tests/fuzz/corpus/tflite_import/seed-mean_fc_softmax.tflite";

TEST_F(CliTest, ImportWritesAModelAndRefusesToOverwriteWithoutForce) {
  const std::string model = path("model.tnm");
  const std::string tflite = source_path(kTfliteModel);
  CommandResult result = run_tinynas("import " + tflite + " -o " + model + " --schedule auto");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("real-valued input"), std::string::npos) << result.output;
  result = run_tinynas("import " + tflite + " -o " + model);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("exists (pass --force to overwrite it)"), std::string::npos)
      << result.output;
  result = run_tinynas("import " + tflite + " -o " + model + " --force");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  result = run_tinynas("run " + model + " --pattern random");
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(CliTest, TfliteOptionWorksWhereANetworkOrModelGoes) {
  const std::string tflite = source_path(kTfliteModel);
  CommandResult result = run_tinynas("memory --tflite " + tflite + " --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("\"tflm_greedy_arena_bytes\""), std::string::npos);
  result = run_tinynas("compile --tflite " + tflite + " -o " + path("m.tnm"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  result = run_tinynas("run --tflite " + tflite + " --pattern random");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  result = run_tinynas("run " + path("m.tnm") + " --tflite " + tflite);
  EXPECT_NE(result.exit_code, 0) << "a model and --tflite together";
}

TEST_F(CliTest, GarbageTfliteIsRefusedWithTheFileNamed) {
  const std::string garbage = write_file("garbage.tflite", "this is not a flatbuffer at all");
  const CommandResult result = run_tinynas("memory --tflite " + garbage);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find(garbage), std::string::npos) << result.output;
}

// An image folder of `classes` classes, `per_class` 28x28 grey PNGs each: class c is a bright
// band at rows 2c..2c+3 (split by the folder's ratios into train, validation and test).
std::string write_band_images(const fs::path& root, int classes, int per_class) {
  for (int c = 0; c < classes; ++c) {
    const fs::path folder = root / ("class" + std::to_string(c));
    fs::create_directories(folder);
    for (int i = 0; i < per_class; ++i) {
      tinynas::datasets::DecodedImage image;
      image.channels = 1;
      image.height = 28;
      image.width = 28;
      image.pixels.assign(28 * 28, static_cast<uint8_t>(20 + i));
      for (int y = 2 * c; y < 2 * c + 4; ++y) {
        for (int x = 0; x < 28; ++x) image.pixels[static_cast<size_t>(y * 28 + x)] = 230;
      }
      tinynas::datasets::write_png(image, (folder / (std::to_string(i) + ".png")).string());
    }
  }
  return root.string();
}

#ifdef TINYNAS_WITH_SEARCH
TEST_F(CliTest, SchemeSearchWritesASchemeThatFitsTheBudget) {
  const std::string images = write_band_images(directory_ / "images", 10, 10);
  const std::string scheme = path("scheme.json");
  const std::string command = "scheme --arch " + source_path(kSampleArch) + " --dataset " + images +
                              " --dataset-kind image-folder --batches 2 --batch-size 8 "
                              "--generations 4 --population 12 --sram 60000 -o " +
                              scheme;
  const CommandResult result = run_tinynas(command);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("fine-tunes"), std::string::npos) << result.output;
  const std::size_t peak_at = result.output.find("planned training peak: ");
  ASSERT_NE(peak_at, std::string::npos) << result.output;
  const long long peak = std::stoll(result.output.substr(peak_at + 23));
  EXPECT_LE(peak, 60000);
  // The file is a tinynas-scheme/1 whose planned peak `memory --train-scheme` confirms.
  const nlohmann::json document = nlohmann::json::parse(std::ifstream(scheme));
  EXPECT_EQ(document["format"], "tinynas-scheme/1");
  const CommandResult memory =
      run_tinynas("memory --arch " + source_path(kSampleArch) + " --train-scheme " + scheme);
  ASSERT_EQ(memory.exit_code, 0) << memory.output;
  EXPECT_NE(memory.output.find("training peak SRAM: " + std::to_string(peak) + " B"),
            std::string::npos)
      << memory.output;
  // Never over an existing file without --force; seeded: the same scheme again.
  const CommandResult again = run_tinynas(command);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  std::ifstream first(scheme);
  const std::string before((std::istreambuf_iterator<char>(first)),
                           std::istreambuf_iterator<char>());
  ASSERT_EQ(run_tinynas(command + " --force").exit_code, 0);
  std::ifstream second(scheme);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(second)), std::istreambuf_iterator<char>()),
            before);
}

TEST_F(CliTest, SchemeSearchRefusesATooSmallBudgetAndAMismatchedClassifier) {
  const std::string images = write_band_images(directory_ / "images", 3, 10);
  const std::string base = "scheme --arch " + source_path(kSampleArch) + " --dataset " + images +
                           " --dataset-kind image-folder -o " + path("s.json");
  const CommandResult small = run_tinynas(base + " --sram 1000");
  EXPECT_NE(small.exit_code, 0);
  EXPECT_NE(small.output.find("below the least training memory of this model"), std::string::npos)
      << small.output;
  const CommandResult classes = run_tinynas(base + " --sram 1000000");
  EXPECT_NE(classes.exit_code, 0);
  EXPECT_NE(classes.output.find("3 classes, the model's classifier 10"), std::string::npos)
      << classes.output;
  EXPECT_FALSE(fs::exists(path("s.json")));
  const CommandResult help = run_tinynas("scheme --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--sram"), std::string::npos) << help.output;
}

// The transfer task's pieces: a model given a new 3-class classifier learns 3 classes of a
// 10-class folder ("classes" in a dataset file), the last-k baseline fits its budget as
// `memory --train-scheme` plans it, and the float baseline reports its accuracy.
TEST_F(CliTest, NewClassifierLastLayersAndFloatFinetuneOnAClassSubset) {
  const std::string model = sample_model();
  ASSERT_FALSE(model.empty());
  const std::string fresh = path("new.tnm");
  const CommandResult compiled =
      run_tinynas("compile " + model + " --new-classifier 3 --seed 4 -o " + fresh);
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  const std::string images = write_band_images(directory_ / "images", 10, 6);
  const std::string dataset =
      write_file("task.json", nlohmann::json{{"kind", "image-folder"},
                                             {"path", images},
                                             {"classes", {7, 8, 9}},
                                             {"split", {{"train", 0.5}, {"test", 0.5}}}}
                                  .dump());
  const std::string scheme = path("last.json");
  const CommandResult last =
      run_tinynas("scheme " + fresh + " --last-layers --sram 40000 -o " + scheme);
  ASSERT_EQ(last.exit_code, 0) << last.output;
  EXPECT_NE(last.output.find("weights and biases of the last "), std::string::npos) << last.output;
  const std::size_t peak_at = last.output.find("planned training peak: ");
  ASSERT_NE(peak_at, std::string::npos) << last.output;
  const long long peak = std::stoll(last.output.substr(peak_at + 23));
  EXPECT_LE(peak, 40000);
  const CommandResult memory = run_tinynas("memory " + fresh + " --train-scheme " + scheme);
  ASSERT_EQ(memory.exit_code, 0) << memory.output;
  EXPECT_NE(memory.output.find("training peak SRAM: " + std::to_string(peak) + " B"),
            std::string::npos)
      << memory.output;
  const CommandResult tuned = run_tinynas("float-finetune " + fresh + " --dataset " + dataset +
                                          " --scheme " + scheme + " --epochs 2");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.output;
  EXPECT_NE(tuned.output.find("classes 7,8,9 as labels 0-2"), std::string::npos) << tuned.output;
  EXPECT_NE(tuned.output.find("epoch 2: mean loss"), std::string::npos) << tuned.output;
  EXPECT_NE(tuned.output.find("accuracy after:"), std::string::npos) << tuned.output;
  // The untouched 10-class model does not fit the 3-class task.
  const CommandResult mismatch =
      run_tinynas("float-finetune " + model + " --dataset " + dataset + " --epochs 1");
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.output.find("3 classes, " + model + " 10"), std::string::npos)
      << mismatch.output;
  // --last-layers needs no dataset; the search does.
  const CommandResult no_dataset = run_tinynas("scheme " + fresh + " --sram 40000 -o " + path("x"));
  EXPECT_NE(no_dataset.exit_code, 0);
  EXPECT_NE(no_dataset.output.find("--dataset is required"), std::string::npos)
      << no_dataset.output;
}
#endif

// `tinynas finetune --board host` on a PNG folder: the classifier and the feature mix train (a
// .tnm names its ops by file index: op18 is the sample net's feature mix, op20 its classifier),
// the report names the images, the -o model is an inference model of the same shape.
class FinetuneCliTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    model_ = path("sample.tnm");
    ASSERT_EQ(
        run_tinynas("compile --arch " + source_path(kSampleArch) + " --random-weights -o " + model_)
            .exit_code,
        0);
    scheme_ = write_file("scheme.json", R"({
      "format": "tinynas-scheme/1",
      "layers": [
        {"name": "op18", "bias": true},
        {"name": "op20", "bias": true, "weight_ratio": 1}
      ]})");
  }
  std::string command(const std::string& images, const std::string& output) const {
    return "finetune " + model_ + " --scheme " + scheme_ + " --dataset " + images +
           " --dataset-kind image-folder --board host --epochs 2 --learning-rate 0.05 -o " + output;
  }
  std::string model_;
  std::string scheme_;
};

TEST_F(FinetuneCliTest, TrainsOnTheHostAndWritesTheUpdatedModel) {
  const std::string images = write_band_images(directory_ / "images", 10, 10);
  const std::string updated = path("updated.tnm");
  const CommandResult result = run_tinynas(command(images, updated));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* line :
       {"accuracy before: ", "accuracy after: ", "epoch 1: mean loss ", "epoch 2: mean loss ",
        "training steps", "images/s", "training arena: planned ", "wrote "}) {
    EXPECT_NE(result.output.find(line), std::string::npos) << line << "\n" << result.output;
  }
  EXPECT_NE(result.output.find("accuracy on the first"), std::string::npos) << result.output;
  // The updated model runs like the original (same input and output).
  const CommandResult run = run_tinynas("run " + updated + " --pattern random");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  // Never over an existing file without --force; seeded: the same model again.
  const CommandResult again = run_tinynas(command(images, updated));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  std::ifstream first(updated, std::ios::binary);
  const std::string before((std::istreambuf_iterator<char>(first)),
                           std::istreambuf_iterator<char>());
  ASSERT_EQ(run_tinynas(command(images, updated) + " --force").exit_code, 0);
  std::ifstream second(updated, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(second)), std::istreambuf_iterator<char>()),
            before);
}

TEST_F(FinetuneCliTest, RefusesMismatchedClassesUnknownLayersAndUnknownBoards) {
  const std::string images = write_band_images(directory_ / "images", 3, 6);
  const CommandResult classes = run_tinynas(command(images, path("u.tnm")));
  EXPECT_NE(classes.exit_code, 0);
  EXPECT_NE(classes.output.find("3 classes"), std::string::npos) << classes.output;
  const std::string ten = write_band_images(directory_ / "ten", 10, 6);
  scheme_ = write_file("bad.json", R"({"format": "tinynas-scheme/1",
                                        "layers": [{"name": "op99", "bias": true}]})");
  const CommandResult layer = run_tinynas(command(ten, path("u.tnm")));
  EXPECT_NE(layer.exit_code, 0);
  EXPECT_NE(layer.output.find("op99"), std::string::npos) << layer.output;
  const CommandResult board =
      run_tinynas("finetune " + model_ + " --scheme " + path("scheme.json") + " --dataset " + ten +
                  " --dataset-kind image-folder --board no-such-board -o " + path("u.tnm"));
  EXPECT_NE(board.exit_code, 0);
  EXPECT_NE(board.output.find("no-such-board"), std::string::npos) << board.output;
  EXPECT_FALSE(fs::exists(path("u.tnm")));
  const CommandResult help = run_tinynas("finetune --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option : {"--scheme", "--board", "--epochs", "--train-limit", "--test-limit"}) {
    EXPECT_NE(help.output.find(option), std::string::npos) << option;
  }
}

}  // namespace

// `tinynas boards flash` runs the tool the board file names with the exact arguments; a fake
// openocd on PATH stands in for the probe (none is attached here) and records them.
TEST_F(CliTest, BoardsFlashProgramsTheRunnerThroughOpenocdAndReportsAFailingTool) {
  const std::string tools = path("tools");
  fs::create_directories(tools);
  const std::string openocd = write_file(
      "tools/openocd",
      "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$(dirname \"$0\")/args\"\n"
      "[ -n \"$FAIL\" ] && { echo 'Error: unable to find a matching CMSIS-DAP device' >&2; exit 1; "
      "}\n"
      "exit 0\n");
  fs::permissions(openocd, fs::perms::owner_all);
  const std::string elf = path("tinynas-runner.elf");
  std::ofstream(elf, std::ios::binary) << "xx" << std::string("tinynas-runner 1.2.3 (abc)") << '\0';
  const std::string environment = "PATH=" + tools + ":$PATH";
  const auto flashed =
      run_tinynas("boards flash --board stm32f746g-disco --firmware " + elf, environment);
  ASSERT_EQ(flashed.exit_code, 0) << flashed.output;
  EXPECT_NE(flashed.output.find("flashed tinynas-runner 1.2.3 (abc)"), std::string::npos)
      << flashed.output;
  std::ifstream args(path("tools/args"));
  std::string recorded((std::istreambuf_iterator<char>(args)), std::istreambuf_iterator<char>());
  EXPECT_EQ(recorded, "-f\ninterface/stlink.cfg\n-f\ntarget/stm32f7x.cfg\n-c\nprogram " + elf +
                          " verify reset exit\n");

  const auto failed = run_tinynas("boards flash --board stm32f746g-disco --firmware " + elf,
                                  environment + " FAIL=1");
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_NE(failed.output.find("unable to find a matching CMSIS-DAP device"), std::string::npos)
      << failed.output;
  const auto wrong_probe = run_tinynas(
      "boards flash --board stm32f746g-disco --probe serial-bootloader --port /dev/null",
      environment);
  EXPECT_NE(wrong_probe.exit_code, 0);
  EXPECT_NE(wrong_probe.output.find("does not fit this board"), std::string::npos)
      << wrong_probe.output;
}

TEST_F(CliTest, BoardsListsKindsAndSerialPortsAsJson) {
  const auto listed = run_tinynas("boards --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  const auto json = nlohmann::json::parse(listed.output);
  EXPECT_TRUE(json.at("serial_ports").is_array());
  bool disco = false;
  for (const auto& board : json.at("boards"))
    disco = disco || board.at("kind") == "stm32f746g-disco";
  EXPECT_TRUE(disco);
}
