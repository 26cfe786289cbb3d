// The runner's version string is written at build time (firmware/cmake/
// write_firmware_version.cmake, run by a custom target on every build): a new commit changes
// it without re-running cmake, and an unchanged commit leaves the header untouched (so nothing
// recompiles). Runs the script as the build does, on a scratch git repository.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run(const std::string& command) { return std::system((command + " > /dev/null 2>&1").c_str()); }

class FirmwareVersion : public ::testing::Test {
 protected:
  void SetUp() override {
    if (run("command -v git") != 0) GTEST_SKIP() << "git not installed";
    dir_ = fs::temp_directory_path() /
           ("tinynas-version-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + std::to_string(std::rand()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "repo");
    git_ = "git -C " + (dir_ / "repo").string() +
           " -c user.name=test -c user.email=test@example.invalid -c commit.gpgsign=false ";
    ASSERT_EQ(run(git_ + "init -q"), 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void commit(const std::string& text) {
    std::ofstream(dir_ / "repo" / "file.txt") << text;
    ASSERT_EQ(run(git_ + "add file.txt"), 0);
    ASSERT_EQ(run(git_ + "commit -q -m '" + text + "'"), 0);
  }
  std::string head() {
    const fs::path out = dir_ / "head.txt";
    std::system((git_ + "rev-parse --short HEAD > " + out.string()).c_str());
    std::string id = read(out);
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
    return id;
  }
  // What the build's custom target runs.
  void write_header() {
    ASSERT_EQ(run(std::string(TINYNAS_CMAKE_COMMAND) + " -DSOURCE_DIR=" + (dir_ / "repo").string() +
                  " -DOUTPUT=" + header().string() + " \"-DPREFIX=tinynas-runner 9.9.9\" -P " +
                  TINYNAS_SOURCE_DIR + "/firmware/cmake/write_firmware_version.cmake"),
              0);
  }
  fs::path header() const { return dir_ / "tinynas_firmware_version.h"; }

  fs::path dir_;
  std::string git_;
};

TEST_F(FirmwareVersion, ANewCommitChangesTheVersionAndAnUnchangedOneTouchesNothing) {
  commit("one");
  write_header();
  const std::string first = read(header());
  EXPECT_NE(
      first.find("#define TINYNAS_FIRMWARE_VERSION \"tinynas-runner 9.9.9 (" + head() + ")\""),
      std::string::npos)
      << first;

  const fs::file_time_type written = fs::last_write_time(header());
  fs::last_write_time(header(), written - std::chrono::hours(1));
  const fs::file_time_type backdated = fs::last_write_time(header());
  write_header();
  EXPECT_EQ(fs::last_write_time(header()), backdated) << "same commit: the header must not change";

  commit("two");
  write_header();
  const std::string second = read(header());
  EXPECT_NE(second, first);
  EXPECT_NE(second.find("(" + head() + ")"), std::string::npos) << second;
  EXPECT_NE(fs::last_write_time(header()), backdated);
}

TEST_F(FirmwareVersion, AnUncommittedChangeIsMarkedDirty) {
  commit("one");
  std::ofstream(dir_ / "repo" / "file.txt") << "changed";
  write_header();
  EXPECT_NE(read(header()).find(head() + "-dirty)"), std::string::npos) << read(header());
}

}  // namespace
