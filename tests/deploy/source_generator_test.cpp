// The generated model.h / model.cpp: what a firmware author reads, and whether they compile
// warning-free and compute exactly what the host engine computes.
#include "engine/compiler/source_generator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "deploy/export_build.h"
#include "engine/compiler/host_runner.h"
#include "tests/deploy/export_test_models.h"

namespace tinynas::compiler {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kSeed = 5;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A host program that feeds the generated model one input file and writes its output file.
constexpr char kHostHarness[] = R"(#include <stdio.h>
#include <string.h>
#include "model.h"
int main(int argc, char** argv) {
  if (argc != 3 || model_init() != 0) return 2;
  FILE* in = fopen(argv[1], "rb");
  if (in == NULL || fread(model_input(), 1, MODEL_INPUT_BYTES, in) != MODEL_INPUT_BYTES) return 3;
  fclose(in);
  if (model_invoke() != 0) return 4;
  FILE* out = fopen(argv[2], "wb");
  if (out == NULL) return 5;
  if (fwrite(model_output(), 1, MODEL_OUTPUT_BYTES, out) != MODEL_OUTPUT_BYTES) return 6;
  fclose(out);
  return 0;
}
)";

TEST(SourceGenerator, HeaderDefinesShapesQuantizationAndPlannedSizes) {
  const LoadedModel model = testing::fashion_shaped_model();
  const GeneratedSources sources = generate_model_sources(model);
  const runtime::ModelView& view = model.view();
  const runtime::TensorInfo input = view.tensor(view.input_tensor());
  const runtime::TensorInfo output = view.tensor(view.output_tensor());
  const std::string& h = sources.header;
  EXPECT_NE(h.find("#define MODEL_INPUT_H 28\n"), std::string::npos);
  EXPECT_NE(h.find("#define MODEL_INPUT_C 1\n"), std::string::npos);
  EXPECT_NE(h.find("#define MODEL_INPUT_BYTES " + std::to_string(input.size_bytes) + "u\n"),
            std::string::npos);
  EXPECT_NE(h.find("#define MODEL_INPUT_ZERO_POINT (" + std::to_string(input.zero_point) + ")"),
            std::string::npos);
  EXPECT_NE(h.find("#define MODEL_OUTPUT_C 10\n"), std::string::npos);
  EXPECT_NE(h.find("#define MODEL_OUTPUT_BYTES " + std::to_string(output.size_bytes) + "u\n"),
            std::string::npos);
  EXPECT_NE(h.find("#define MODEL_ARENA_BYTES " + std::to_string(view.arena_size()) + "u\n"),
            std::string::npos);
  EXPECT_NE(h.find("#define MODEL_SCRATCH_BYTES " + std::to_string(view.scratch_size()) + "u\n"),
            std::string::npos);
  EXPECT_NE(h.find("#define MODEL_FILE_BYTES " + std::to_string(model.size()) + "u\n"),
            std::string::npos);
  EXPECT_NE(h.find("int model_init(void);"), std::string::npos);
  EXPECT_NE(sources.source.find("const uint8_t model_file_bytes[MODEL_FILE_BYTES]"),
            std::string::npos);
  EXPECT_NE(sources.source.find("uint8_t model_arena[MODEL_ARENA_BYTES]"), std::string::npos);
}

TEST(SourceGenerator, PrefixNamesEverySymbol) {
  SourceOptions options;
  options.prefix = "kws";
  options.header_name = "kws.h";
  const GeneratedSources sources = generate_model_sources(testing::rgb_model(), options);
  EXPECT_NE(sources.header.find("int kws_invoke(void);"), std::string::npos);
  EXPECT_NE(sources.header.find("#define KWS_ARENA_BYTES"), std::string::npos);
  EXPECT_NE(sources.source.find("#include \"kws.h\""), std::string::npos);
  EXPECT_EQ(sources.header.find("model_"), std::string::npos);
}

TEST(SourceGenerator, RejectsAPrefixThatIsNotAnIdentifier) {
  SourceOptions options;
  options.prefix = "9-lives";
  EXPECT_THROW(generate_model_sources(testing::rgb_model(), options), std::invalid_argument);
}

TEST(SourceGenerator, OriginCannotBreakOutOfTheComments) {
  SourceOptions options;
  options.origin = "evil */ int x; /*\nline";
  const GeneratedSources sources = generate_model_sources(testing::rgb_model(), options);
  EXPECT_EQ(sources.header.find("evil */"), std::string::npos);
  EXPECT_EQ(sources.source.find("\nline"), std::string::npos);
}

// The generated files plus the runtime, built by the host compiler with -Wall -Wextra -Werror,
// give the host engine's output byte for byte.
TEST(SourceGenerator, GeneratedCodeCompilesWarningFreeAndMatchesTheHostEngine) {
  const LoadedModel model = testing::rgb_model();
  const fs::path dir = fs::path(TINYNAS_EXPORT_TEST_DIR) / "host-model";
  fs::remove_all(dir);
  const GeneratedSources sources = generate_model_sources(model);
  write_file(dir / "model.h", sources.header);
  write_file(dir / "model.cpp", sources.source);
  write_file(dir / "main.cpp", kHostHarness);

  std::vector<std::string> command = {"g++",
                                      "-std=c++17",
                                      "-O1",
                                      "-Wall",
                                      "-Wextra",
                                      "-Wpedantic",
                                      "-Werror",
                                      "-fno-exceptions",
                                      "-fno-rtti",
                                      "-I" + dir.string(),
                                      std::string("-I") + TINYNAS_SOURCE_DIR,
                                      (dir / "model.cpp").string(),
                                      (dir / "main.cpp").string()};
  if (std::system("command -v ccache > /dev/null") == 0) command.insert(command.begin(), "ccache");
  for (const fs::directory_entry& entry :
       fs::directory_iterator(fs::path(TINYNAS_SOURCE_DIR) / "engine" / "runtime")) {
    if (entry.path().extension() == ".cpp") command.push_back(entry.path().string());
  }
  const fs::path program = dir / "host-model";
  command.insert(command.end(), {"-o", program.string()});
  const std::string log = (dir / "compile.log").string();
  ASSERT_EQ(deploy::run_logged(command, log), 0) << read_file(log);

  HostRunOptions options;
  options.pattern = InputPattern::kPseudoRandom;
  options.seed = kSeed;
  const HostRunResult expected = run_on_host(model, options);
  std::vector<int8_t> input(model.view().tensor(model.view().input_tensor()).size_bytes);
  fill_pseudo_random(input.data(), static_cast<uint32_t>(input.size()), kSeed);
  write_file(dir / "input.bin", std::string(input.begin(), input.end()));
  ASSERT_EQ(
      deploy::run_logged(
          {program.string(), (dir / "input.bin").string(), (dir / "output.bin").string()}, log),
      0)
      << read_file(log);
  const std::string output = read_file(dir / "output.bin");
  ASSERT_EQ(output.size(), expected.output.size());
  EXPECT_TRUE(std::equal(output.begin(), output.end(), expected.output.begin(),
                         [](char a, int8_t b) { return static_cast<int8_t>(a) == b; }));
}

}  // namespace
}  // namespace tinynas::compiler
