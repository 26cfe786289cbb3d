// The GoogleTest fixture of tests that run models in Arm NN: skipped (with the reason) when
// pyarmnn is not usable, and a fresh work directory per test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/tflite/armnn_runner.h"

namespace tinynas::tflite::testing {

class ArmnnTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    unavailable_reason_ = new std::string(armnn_unavailable_reason());
  }
  static void TearDownTestSuite() {
    delete unavailable_reason_;
    unavailable_reason_ = nullptr;
  }

  void SetUp() override {
    if (!unavailable_reason_->empty()) GTEST_SKIP() << *unavailable_reason_;
    directory_ = std::filesystem::temp_directory_path() /
                 ("tinynas-armnn-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override {
    if (!directory_.empty()) std::filesystem::remove_all(directory_);
  }

  // inline: one definition across the test files that include this header.
  inline static std::string* unavailable_reason_ = nullptr;
  std::filesystem::path directory_;
};

}  // namespace tinynas::tflite::testing
