// Imported models compute what an independent runtime computes: every generated model
// (tests/tflite/generated_models.h) runs in our host engine after import and in Arm NN's CpuRef
// backend on the same input, and the outputs agree. Skipped when pyarmnn cannot be imported.
//
// Where Arm NN's reference deviates from TFLite's semantics: its CpuRef backend requantizes by
// dequantizing to float, computing and rounding once (conv, depthwise, fully connected, add,
// average pool, mean, softmax, quantize and a concatenation that requantizes), where TFLite
// (and our engine) multiply the int32 accumulator by a fixed-point multiplier and round twice.
// Values next to a rounding boundary may then differ by one step; max pool, pad, reshape and
// squeeze move values unchanged and agree exactly. So the check is: every output within one
// step, and nearly all of them (>= 90%) identical.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/compiler/host_runner.h"
#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_file.h"
#include "engine/compiler/model_writer.h"
#include "tests/tflite/armnn_runner.h"
#include "tests/tflite/generated_models.h"
#include "tests/tflite/tflite_test_models.h"
#include "tflite_convert/tflite_import.h"

namespace tinynas::tflite_convert {
namespace {

namespace fs = std::filesystem;
namespace tfl = tinynas::tflite;

TEST(ImportedModelsMatchArmnn, EveryGeneratedModel) {
  const std::string unavailable = tfl::testing::armnn_unavailable_reason();
  if (!unavailable.empty()) GTEST_SKIP() << unavailable;
  const fs::path directory =
      fs::temp_directory_path() / ("tinynas-import-armnn-" + std::to_string(::getpid()));
  fs::create_directories(directory);
  uint32_t seed = 40;
  for (const tfl::testing::GeneratedModel& generated : tfl::testing::generated_models()) {
    SCOPED_TRACE(generated.name);
    const compiler::Graph graph = import_tflite(generated.model);
    const compiler::LoadedModel model(compiler::write_model(graph, compiler::plan_memory(graph)),
                                      generated.name);
    const compiler::Tensor& in = graph.tensors[graph.input];
    const compiler::Tensor& out = graph.tensors[graph.output];
    const std::vector<int8_t> input =
        tfl::testing::random_int8(static_cast<size_t>(in.shape.elements()), ++seed);

    compiler::HostRunOptions run;
    run.pattern = compiler::InputPattern::kBytes;
    run.input = input;
    const std::vector<int8_t> ours = compiler::run_on_host(model, run).output;

    // A float edge takes the real values of the same int8 input and gives real values, which
    // are quantized back with the output's scale and zero point.
    std::vector<uint8_t> armnn_input;
    if (graph.real_input) {
      std::vector<float> real;
      for (int8_t q : input) real.push_back(in.scale * static_cast<float>(q - in.zero_point));
      armnn_input = tfl::testing::raw_bytes(real);
    } else {
      armnn_input = tfl::testing::raw_bytes(input);
    }
    const tfl::testing::ArmnnResult result =
        tfl::testing::run_model_in_armnn(generated.model, armnn_input, directory.string());
    ASSERT_EQ(result.exit_code, 0) << result.log;
    std::vector<int8_t> theirs;
    if (graph.real_output) {
      for (float y : tfl::testing::values_of<float>(result.bytes)) {
        const long q = std::lround(y / out.scale) + out.zero_point;
        theirs.push_back(static_cast<int8_t>(std::clamp(q, -128L, 127L)));
      }
    } else {
      theirs = tfl::testing::values_of<int8_t>(result.bytes);
    }
    ASSERT_EQ(theirs.size(), ours.size());
    size_t identical = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
      EXPECT_LE(std::abs(ours[i] - theirs[i]), 1)
          << "output " << i << ": ours " << int{ours[i]} << ", Arm NN " << int{theirs[i]};
      if (ours[i] == theirs[i]) ++identical;
    }
    EXPECT_GE(identical * 10, ours.size() * 9) << identical << " of " << ours.size();
    const auto saturated =
        std::count_if(ours.begin(), ours.end(), [](int8_t v) { return v == -128 || v == 127; });
    EXPECT_LT(saturated * 2, static_cast<long>(ours.size())) << "test data saturates";
  }
  fs::remove_all(directory);
}

}  // namespace
}  // namespace tinynas::tflite_convert
