#include "tests/tflite/armnn_runner.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tflite/model_writer.h"

namespace tinynas::tflite::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSystemPython = "/usr/bin/python3";

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string runner_command() { return std::string(kSystemPython) + " " + TINYNAS_ARMNN_RUNNER; }

}  // namespace

std::string armnn_unavailable_reason() {
  if (!fs::exists(kSystemPython)) return std::string(kSystemPython) + " does not exist";
  const CommandResult check = run_command(runner_command() + " --check");
  if (check.exit_code != 0) return "pyarmnn is not usable: " + check.output;
  return "";
}

ArmnnResult run_model_in_armnn(const Model& model, const std::vector<uint8_t>& input_bytes,
                               const std::string& directory) {
  const fs::path model_path = fs::path(directory) / "model.tflite";
  const fs::path input_path = fs::path(directory) / "input.bin";
  const fs::path output_path = fs::path(directory) / "output.bin";
  write_model_file(model_path.string(), model);
  std::ofstream(input_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(input_bytes.data()),
             static_cast<std::streamsize>(input_bytes.size()));
  const CommandResult command = run_command(runner_command() + " " + model_path.string() + " " +
                                            input_path.string() + " " + output_path.string());
  ArmnnResult result;
  result.exit_code = command.exit_code;
  result.log = command.output;
  std::ifstream file(output_path, std::ios::binary);
  result.bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  return result;
}

}  // namespace tinynas::tflite::testing
