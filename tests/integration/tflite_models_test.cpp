// Imported .tflite models run bit-exact on every emulated board: generated models (the Arm NN
// checked ones of tests/tflite/generated_models.h) on each board, and the four MLPerf Tiny
// shapes under the plain and auto schedules on qemu-mps2-an386.
#include <gtest/gtest.h>

#include <iostream>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/model_writer.h"
#include "profiler/board_spec.h"
#include "profiler/profile.h"
#include "profiler/qemu_board.h"
#include "tests/tflite/generated_models.h"
#include "tflite/mlperf_tiny_shapes.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite_convert/tflite_import.h"

namespace tinynas::profiler {
namespace {

// Through the file format, as a user's model arrives.
std::vector<uint8_t> imported_model(const tflite::Model& model, compiler::Schedule schedule) {
  const compiler::Graph graph =
      tflite_convert::import_tflite(tflite::read_model(tflite::write_model(model)));
  compiler::PlannerOptions options;
  options.schedule = schedule;
  return compiler::write_model(graph, compiler::plan_memory(graph, options));
}

class TfliteBoardModels : public ::testing::TestWithParam<std::string> {};

TEST_P(TfliteBoardModels, ImportedModelsBitExact) {
  QemuBoard board(find_board_spec(GetParam()));
  for (const auto& generated : tflite::testing::generated_models()) {
    // Float edges, 10x4 kernels with strides 2x1; pad, concatenation and requantization; MEAN,
    // FULLY_CONNECTED and SOFTMAX.
    if (generated.name != "conv_kernels_strides" && generated.name != "pad_concat_quantize" &&
        generated.name != "mean_no_keep_dims") {
      continue;
    }
    SCOPED_TRACE(generated.name + " on " + GetParam());
    ProfileOptions options;
    options.seed = 11;
    const ProfileResult result =
        profile_model(board.client(), board.info(),
                      imported_model(generated.model, compiler::Schedule::kPlain), options);
    EXPECT_TRUE(result.output_matches_host) << "first mismatch at byte " << result.first_mismatch;
    EXPECT_EQ(result.arena_bytes, result.planned_arena_bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(EmulatedBoards, TfliteBoardModels,
                         ::testing::Values("qemu-mps2-an386", "qemu-mps2-an500",
                                           "qemu-netduinoplus2",
                                           "qemu-mps2-an385",    // Cortex-M3
                                           "qemu-mps2-an505",    // Cortex-M33
                                           "qemu-riscv32-virt",  // RV32IMAC
                                           "qemu-mps3-an547"),   // Cortex-M55
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(TfliteMlperfTinyShapes, BitExactOnAn386UnderPlainAndAuto) {
  QemuBoard board(find_board_spec("qemu-mps2-an386"));
  for (const tflite::NamedModel& shaped : tflite::mlperf_tiny_shapes()) {
    for (const compiler::Schedule schedule :
         {compiler::Schedule::kPlain, compiler::Schedule::kAuto}) {
      SCOPED_TRACE(shaped.name + " " + compiler::schedule_name(schedule));
      ProfileOptions options;
      options.seed = 5;
      const ProfileResult result = profile_model(board.client(), board.info(),
                                                 imported_model(shaped.model, schedule), options);
      EXPECT_TRUE(result.output_matches_host) << "first mismatch at byte " << result.first_mismatch;
      EXPECT_EQ(result.arena_bytes, result.planned_arena_bytes);
      std::cout << "[figures] board=" << result.board << " firmware=\"" << result.firmware_version
                << "\" model=" << shaped.name << " schedule=" << compiler::schedule_name(schedule)
                << " cycles=" << result.cycles << " arena=" << result.arena_bytes << "\n";
    }
  }
}

}  // namespace
}  // namespace tinynas::profiler
