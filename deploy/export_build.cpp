#include "deploy/export_build.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace tinynas::deploy {

namespace fs = std::filesystem;

namespace {

constexpr int kNotStarted = 127;
constexpr std::size_t kLogTailBytes = 4000;
constexpr char kSizeTool[] = "arm-none-eabi-size";
constexpr char kNmTool[] = "arm-none-eabi-nm";
constexpr char kModelArraySymbol[] = "model_file_bytes";

// Section names of sections.ld (firmware/linker/): which memory each one occupies.
const std::set<std::string> kFlashSections = {".vectors", ".text", ".ARM.exidx", ".init_array",
                                              ".data"};
const std::set<std::string> kRamSections = {".data",    ".bss",   ".arena",
                                            ".scratch", ".stack", ".model_region"};

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string log_tail(const std::string& path) {
  const std::string text = read_text(path);
  return text.size() <= kLogTailBytes ? text : "..." + text.substr(text.size() - kLogTailBytes);
}

std::string output_of(const std::vector<std::string>& argv, const std::string& log_path) {
  std::error_code ignored;
  fs::remove(log_path, ignored);
  const int status = run_logged(argv, log_path);
  if (status != 0) {
    throw ExportBuildError(argv[0] + " " + argv.back() + " failed (exit " + std::to_string(status) +
                           "): " + log_tail(log_path));
  }
  std::string text = read_text(log_path);
  fs::remove(log_path, ignored);
  return text;
}

}  // namespace

int run_logged(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return kNotStarted;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return kNotStarted;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : kNotStarted;
}

ExportBuild build_export_project(const std::string& project_dir,
                                 const ExportBuildOptions& options) {
  for (const char* tool : {"cmake", "arm-none-eabi-gcc"}) {
    if (!on_path(tool)) {
      throw ExportBuildError(std::string("cannot build the export: '") + tool +
                             "' is not on PATH (Debian: cmake, gcc-arm-none-eabi)");
    }
  }
  const fs::path build =
      options.build_dir.empty() ? fs::path(project_dir) / "build" : fs::path(options.build_dir);
  fs::create_directories(build);
  ExportBuild result;
  result.log = (build / "tinynas-export-build.log").string();
  std::error_code ignored;
  fs::remove(result.log, ignored);

  std::vector<std::string> configure = {"cmake", "-S", project_dir, "-B", build.string()};
  if (on_path("ninja")) configure.insert(configure.end(), {"-G", "Ninja"});
  if (options.use_ccache && on_path("ccache")) {
    configure.insert(configure.end(), {"-DCMAKE_C_COMPILER_LAUNCHER=ccache",
                                       "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"});
  }
  if (run_logged(configure, result.log) != 0) {
    throw ExportBuildError("configuring " + project_dir + " failed; " + result.log + ":\n" +
                           log_tail(result.log));
  }
  if (run_logged({"cmake", "--build", build.string()}, result.log) != 0) {
    throw ExportBuildError("building " + project_dir + " failed; " + result.log + ":\n" +
                           log_tail(result.log));
  }
  result.elf = (build / "firmware.elf").string();
  result.bin = (build / "firmware.bin").string();
  for (const std::string& image : {result.elf, result.bin}) {
    if (!fs::is_regular_file(image)) {
      throw ExportBuildError("building " + project_dir + " produced no " + image);
    }
  }
  return result;
}

ImageSize parse_section_sizes(const std::string& size_output) {
  ImageSize size;
  std::istringstream lines(size_output);
  std::string line;
  int line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    std::istringstream fields(line);
    std::string name;
    if (!(fields >> name) || name.front() != '.') continue;  // header, "Total", blank lines
    uint64_t bytes = 0;
    uint64_t address = 0;
    if (!(fields >> bytes >> address)) {
      throw ExportBuildError("arm-none-eabi-size -A output, line " + std::to_string(line_number) +
                             ": expected 'section size addr', found '" + line + "'");
    }
    const bool flash = kFlashSections.count(name) != 0;
    const bool ram = kRamSections.count(name) != 0;
    if (!flash && !ram) continue;  // debug info, attributes, comments: not in the image
    size.sections[name] = bytes;
    if (flash) size.flash_bytes += bytes;
    if (ram) size.static_ram_bytes += bytes;
    if (name == ".data") size.data_bytes = bytes;
    if (name == ".bss") size.bss_bytes = bytes;
    if (name == ".arena") size.arena_bytes = bytes;
    if (name == ".scratch") size.scratch_bytes = bytes;
    if (name == ".stack") size.stack_bytes = bytes;
  }
  if (size.sections.empty()) {
    throw ExportBuildError("arm-none-eabi-size -A output has no image sections");
  }
  return size;
}

ImageSize read_image_size(const std::string& elf) {
  const std::string log = elf + ".size.txt";
  ImageSize size = parse_section_sizes(output_of({kSizeTool, "-A", elf}, log));
  // "<address> <size> <type> <name>" (hex); the model array is in an anonymous namespace.
  std::istringstream symbols(output_of({kNmTool, "-S", "-C", elf}, log));
  std::string line;
  while (std::getline(symbols, line)) {
    if (line.find(kModelArraySymbol) == std::string::npos) continue;
    std::istringstream fields(line);
    std::string address;
    std::string bytes;
    if (fields >> address >> bytes) size.model_array_bytes = std::stoull(bytes, nullptr, 16);
  }
  return size;
}

}  // namespace tinynas::deploy
