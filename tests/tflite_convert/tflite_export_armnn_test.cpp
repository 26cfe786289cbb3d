// Every exported model runs in an independent runtime, Arm NN (TfLite parser, CpuRef backend),
// and gives our host engine's outputs. Skipped when pyarmnn is not importable.
//
// Where Arm NN's reference backend is not TFLite's arithmetic, one step is allowed there and
// only there: it requantizes conv, depthwise and fully-connected accumulators in float (one
// rounding) where TFLite uses its fixed-point multiplier (two roundings), so those outputs may
// differ by one step next to a rounding boundary; such a step then travels down the network.
// Each op is therefore checked on its own: the network is cut after every op (its exported
// prefix, fed our input), and the op's output in Arm NN must match ours within one step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/compiler/host_runner.h"
#include "tests/engine/compiler/model_test_graphs.h"
#include "tests/tflite/armnn_runner.h"
#include "tests/tflite/armnn_test.h"
#include "tests/tflite_convert/tnm_test_models.h"
#include "tflite/model_writer.h"
#include "tflite_convert/tflite_export.h"

namespace tinynas::tflite_convert {
namespace {

namespace fs = std::filesystem;

class ExportArmnnTest : public tflite::testing::ArmnnTest {
 protected:
  // Exports the model and runs it in Arm NN on `input` (int8 values; given to a real-valued
  // input as the reals they stand for); returns its int8 output (a real-valued output quantized
  // back with the output's scale and zero point, which gives the int8 values it came from).
  std::vector<int8_t> run_exported(const compiler::LoadedModel& model,
                                   const std::vector<int8_t>& input) {
    const runtime::ModelView& view = model.view();
    const runtime::TensorInfo in = view.tensor(view.input_tensor());
    const runtime::TensorInfo out = view.tensor(view.output_tensor());
    const fs::path path = directory_ / "model.tflite";
    tflite::write_model_file(path.string(), export_tflite(view));
    std::vector<uint8_t> input_bytes(input.begin(), input.end());
    if (view.real_input()) {
      std::vector<float> reals;
      for (int8_t q : input) reals.push_back(in.scale * static_cast<float>(q - in.zero_point));
      input_bytes.resize(reals.size() * sizeof(float));
      std::memcpy(input_bytes.data(), reals.data(), input_bytes.size());
    }
    const tflite::testing::ArmnnResult run =
        tflite::testing::run_file_in_armnn(path.string(), {input_bytes}, directory_.string());
    EXPECT_EQ(run.exit_code, 0) << run.log;
    if (!view.real_output()) return std::vector<int8_t>(run.bytes.begin(), run.bytes.end());
    std::vector<float> reals(run.bytes.size() / sizeof(float));
    std::memcpy(reals.data(), run.bytes.data(), reals.size() * sizeof(float));
    std::vector<int8_t> output;
    for (float real : reals) {
      output.push_back(static_cast<int8_t>(
          std::clamp<long>(std::lround(real / out.scale) + out.zero_point, -128, 127)));
    }
    return output;
  }
};

std::vector<int8_t> random_input(uint32_t size, uint32_t seed) {
  std::vector<int8_t> input(size);
  compiler::fill_pseudo_random(input.data(), size, seed);
  return input;
}

std::vector<int8_t> run_on_host(const compiler::LoadedModel& model,
                                const std::vector<int8_t>& input) {
  compiler::HostRunOptions options;
  options.pattern = compiler::InputPattern::kBytes;
  options.input = input;
  return compiler::run_on_host(model, options).output;
}

// Arm NN 20.08 takes FULLY_CONNECTED weights per tensor only (TFLite's converter writes them so
// too): the classifier gets one scale, the largest of its channels'.
compiler::Graph with_per_tensor_classifier(compiler::Graph graph) {
  for (const compiler::Op& op : graph.ops) {
    if (op.kind != runtime::OpKind::kFullyConnected) continue;
    std::vector<float>& scales = graph.tensors[static_cast<size_t>(op.weights)].channel_scales;
    const float largest = *std::max_element(scales.begin(), scales.end());
    scales.assign(scales.size(), largest);
  }
  return graph;
}

// The network up to and including op `last`, whose output becomes the network's: the tensors
// those ops use, renumbered.
compiler::Graph prefix(const compiler::Graph& full, size_t last) {
  compiler::Graph g;
  std::vector<int> renumbered(full.tensors.size(), -1);
  const auto keep = [&](int index) {
    if (index < 0) return index;
    if (renumbered[static_cast<size_t>(index)] < 0) {
      renumbered[static_cast<size_t>(index)] =
          g.add_tensor(full.tensors[static_cast<size_t>(index)]);
    }
    return renumbered[static_cast<size_t>(index)];
  };
  g.input = keep(full.input);
  g.real_input = full.real_input;
  for (size_t k = 0; k <= last; ++k) {
    compiler::Op op = full.ops[k];
    for (int& input : op.inputs) input = keep(input);
    op.weights = keep(op.weights);
    op.output = keep(op.output);
    g.add_op(op);
  }
  g.output = g.ops.back().output;
  g.real_output = last + 1 == full.ops.size() && full.real_output;
  return g;
}

// The TFLite operators that compute .tnm op `op` of the exported model: the one writing its
// output ("tensor_<output>") and those feeding it through tensors of their own (an explicit PAD),
// in model order; `inputs` gets the .tnm activations they read.
std::vector<size_t> operators_of(const tflite::Model& model, uint16_t output,
                                 std::vector<int32_t>* inputs) {
  const tflite::SubGraph& graph = model.subgraphs[0];
  const auto is_activation_of_tnm = [&](int32_t tensor) {
    const tflite::Tensor& t = graph.tensors[static_cast<size_t>(tensor)];
    return t.buffer == 0 && t.name.rfind("tensor_", 0) == 0 &&
           t.name.find('_', 7) == std::string::npos;
  };
  const auto producer = [&](int32_t tensor) {
    for (size_t k = 0; k < graph.operators.size(); ++k) {
      if (graph.operators[k].outputs[0] == tensor) return k;
    }
    return graph.operators.size();
  };
  int32_t out_tensor = -1;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (graph.tensors[t].name == "tensor_" + std::to_string(output))
      out_tensor = static_cast<int32_t>(t);
  }
  std::vector<size_t> ops;
  std::vector<int32_t> pending = {out_tensor};
  while (!pending.empty()) {
    const size_t k = producer(pending.back());
    pending.pop_back();
    ops.insert(ops.begin(), k);
    for (int32_t input : graph.operators[k].inputs) {
      if (input < 0 || graph.tensors[static_cast<size_t>(input)].buffer != 0) continue;
      if (is_activation_of_tnm(input)) {
        inputs->push_back(input);
      } else {
        pending.push_back(input);
      }
    }
  }
  return ops;
}

// Arm NN 20.08 fills a PAD of int8 values with 0 where TFLite fills the zero point: the only
// place it departs from TFLite's semantics by more than rounding. Where an exported model pads
// (a PAD op, or a window op whose padding is not TFLite's SAME), the padded tensor gets zero
// point 0 here, so that both mean the same.
compiler::Graph with_padded_tensors_at_zero_point_zero(compiler::Graph graph) {
  const tflite::Model exported = export_tflite(testing::compile(graph).view());
  const tflite::SubGraph& sub = exported.subgraphs[0];
  for (const tflite::Operator& op : sub.operators) {
    if (tflite::operator_code(exported, op).builtin_code != tflite::BuiltinOperator::kPad) continue;
    for (const int32_t tensor : {op.inputs[0], op.outputs[0]}) {
      const std::string& name = sub.tensors[static_cast<size_t>(tensor)].name;
      if (name.find('_', 7) != std::string::npos) continue;  // the PAD's own output
      graph.tensors[std::stoul(name.substr(7))].zero_point =
          0;  // .tnm tensors keep the graph's order
    }
  }
  return graph;
}

constexpr size_t kLeastIdenticalPercent = 85;

class ExportedOpsTest : public ExportArmnnTest {
 protected:
  // Each op of `graph` (compiled with the plain schedule and exported) runs alone in Arm NN on
  // the values our host engine gives its inputs for `input`, and gives our output for it:
  // exactly for the ops Arm NN computes in integers, within one step for the others.
  void check_every_op(const compiler::Graph& original, uint32_t seed) {
    const compiler::Graph graph = with_padded_tensors_at_zero_point_zero(original);
    const compiler::LoadedModel model = testing::compile(graph);
    const runtime::ModelView& view = model.view();
    const std::vector<int8_t> input =
        random_input(view.tensor(view.input_tensor()).size_bytes, seed);
    const tflite::Model exported = export_tflite(view);
    EXPECT_EQ(run_exported(model, input).size(), view.tensor(view.output_tensor()).size_bytes)
        << "the whole network runs in Arm NN";
    // The value of every .tnm activation: the network cut after the op that writes it.
    std::vector<std::vector<int8_t>> values(view.tensor_count());
    values[view.input_tensor()] = input;
    for (size_t k = 0; k < graph.ops.size(); ++k) {
      compiler::Graph cut = prefix(graph, k);
      cut.real_output = false;
      values[static_cast<size_t>(view.op(static_cast<uint16_t>(k)).output)] =
          run_on_host(testing::compile(cut), input);
    }
    for (uint16_t k = 0; k < view.op_count(); ++k) {
      const runtime::OpInfo op = view.op(k);
      SCOPED_TRACE("op " + std::to_string(k) + " " + graph.ops[k].name);
      tflite::Model alone = exported;
      tflite::SubGraph& sub = alone.subgraphs[0];
      std::vector<int32_t> inputs;
      std::vector<tflite::Operator> operators;
      bool computes_in_float = false;
      for (size_t index : operators_of(exported, op.output, &inputs)) {
        operators.push_back(exported.subgraphs[0].operators[index]);
        computes_in_float = computes_in_float || !is_integer_in_armnn(exported, operators.back());
      }
      sub.operators = operators;
      sub.inputs = inputs;
      sub.outputs = {operators.back().outputs[0]};
      std::vector<std::vector<uint8_t>> feeds;
      for (int32_t tensor : inputs) {
        const std::string& name = sub.tensors[static_cast<size_t>(tensor)].name;
        const std::vector<int8_t>& value = values[std::stoul(name.substr(7))];
        feeds.emplace_back(value.begin(), value.end());
      }
      const fs::path path = directory_ / "op.tflite";
      tflite::write_model_file(path.string(), alone);
      const tflite::testing::ArmnnResult run =
          tflite::testing::run_file_in_armnn(path.string(), feeds, directory_.string());
      ASSERT_EQ(run.exit_code, 0) << run.log;
      const std::vector<int8_t>& ours = values[op.output];
      ASSERT_EQ(run.bytes.size(), ours.size());
      size_t identical = 0;
      for (size_t i = 0; i < ours.size(); ++i) {
        const int difference = static_cast<int8_t>(run.bytes[i]) - ours[i];
        EXPECT_LE(std::abs(difference), computes_in_float ? 1 : 0) << "output " << i;
        identical += difference == 0;
      }
      // One step, not an offset: most values are the same.
      EXPECT_GE(identical * 100, ours.size() * kLeastIdenticalPercent)
          << identical << " of " << ours.size() << " identical";
    }
  }

  // Arm NN's reference backend computes MAX_POOL_2D, PAD and RESHAPE on the int8 values as
  // TFLite does; every other op it dequantizes, computes in float and quantizes once.
  static bool is_integer_in_armnn(const tflite::Model& model, const tflite::Operator& op) {
    const tflite::BuiltinOperator code = tflite::operator_code(model, op).builtin_code;
    return code == tflite::BuiltinOperator::kMaxPool2D || code == tflite::BuiltinOperator::kPad ||
           code == tflite::BuiltinOperator::kReshape;
  }
};

TEST_F(ExportedOpsTest, SampleFmnist) {
  check_every_op(with_per_tensor_classifier(testing::repository_net("sample-fmnist")), 7);
}

TEST_F(ExportedOpsTest, PointwiseHeavy) {
  check_every_op(with_per_tensor_classifier(testing::repository_net("pointwise-heavy")), 8);
}

TEST_F(ExportedOpsTest, DepthwiseHeavy) {
  check_every_op(with_per_tensor_classifier(testing::repository_net("depthwise-heavy")), 9);
}

TEST_F(ExportedOpsTest, MobileNetV2) {
  check_every_op(with_per_tensor_classifier(testing::repository_net("mobilenetv2-w0.2-r28")), 10);
}

// The version-2 operators: pad, depthwise with a multiplier, max pool, quantize, concatenation,
// reshape, mean, fully connected and softmax (make_tflite_ops_graph).
TEST_F(ExportedOpsTest, TfliteOpsGraph) {
  check_every_op(compiler::testing::make_tflite_ops_graph(), 7);
}

// Real-valued edges: the exported model takes and gives floats (QUANTIZE first, DEQUANTIZE
// last), which stand for our int8 input and output.
TEST_F(ExportArmnnTest, RealValuedEdgesMatchTheHostEngine) {
  compiler::Graph graph = prefix(compiler::testing::make_tflite_ops_graph(), 0);
  graph.real_output = true;
  const compiler::LoadedModel model = testing::compile(graph);
  ASSERT_TRUE(model.view().real_input() && model.view().real_output());
  const std::vector<int8_t> input =
      random_input(model.view().tensor(model.view().input_tensor()).size_bytes, 11);
  const std::vector<int8_t> ours = run_on_host(model, input);
  const std::vector<int8_t> armnn = run_exported(model, input);
  ASSERT_EQ(armnn.size(), ours.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_LE(std::abs(armnn[i] - ours[i]), 1) << "output " << i << " (a conv: float in Arm NN)";
  }
}

}  // namespace
}  // namespace tinynas::tflite_convert
