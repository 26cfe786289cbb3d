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
  write_model_file(model_path.string(), model);
  return run_file_in_armnn(model_path.string(), {input_bytes}, directory);
}

ArmnnResult run_file_in_armnn(const std::string& model_path,
                              const std::vector<std::vector<uint8_t>>& inputs,
                              const std::string& directory) {
  std::string command = runner_command() + " " + model_path;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const fs::path input_path = fs::path(directory) / ("input" + std::to_string(k) + ".bin");
    std::ofstream(input_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(inputs[k].data()),
               static_cast<std::streamsize>(inputs[k].size()));
    command += " " + input_path.string();
  }
  const fs::path output_path = fs::path(directory) / "output.bin";
  fs::remove(output_path);
  const CommandResult run = run_command(command + " " + output_path.string());
  ArmnnResult result;
  result.exit_code = run.exit_code;
  result.log = run.output;
  std::ifstream file(output_path, std::ios::binary);
  result.bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  return result;
}

}  // namespace tinynas::tflite::testing
