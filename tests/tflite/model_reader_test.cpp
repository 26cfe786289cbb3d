// Files the writer would not make but that converters do: only the int8 opcode field, fields
// we do not keep (metadata, signature defs, min/max, has_rank), constants stored after the
// flatbuffer; and files we refuse (sparse tensors, custom quantization, broken structure), each
// with a message naming where.
#include "tflite/model_reader.h"

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/tflite/tflite_test_models.h"
#include "tflite/model_writer.h"
#include "tflite/schema_fields.h"
#include "tflite/tflite_error.h"

namespace tinynas::tflite {
namespace {

namespace fields = schema;
using TableOffset = flatbuffers::Offset<flatbuffers::Table>;

// What the hand-built file holds besides one int8 FULLY_CONNECTED (input [1, 4], weights
// [2, 4] in buffer 1, no bias, output [1, 2]).
struct ForeignFile {
  int8_t deprecated_code = 9;  // FULLY_CONNECTED
  int32_t builtin_code = 0;    // 0: field left out, as older converters do
  bool extras = true;          // metadata, signature def, min/max, has_rank
  bool external_weights = false;
  uint64_t external_size_override = 0;  // nonzero: claim this size for the external data
  bool sparse_weights = false;
  bool custom_quantization = false;
  bool output_min_max_only = false;  // the output's quantization: min/max, a dimension, no scales
};

const std::vector<uint8_t> kWeights = {1, 2, 3, 4, 0xfb, 0xfa, 0xf9, 0xf8};

std::vector<uint8_t> build(const ForeignFile& spec, uint64_t external_offset) {
  flatbuffers::FlatBufferBuilder fbb;
  auto end = [&](flatbuffers::uoffset_t start) { return TableOffset(fbb.EndTable(start)); };

  // Buffers: the sentinel, the weights, and the metadata string's bytes.
  std::vector<TableOffset> buffers;
  buffers.push_back(end(fbb.StartTable()));
  {
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data;
    if (!spec.external_weights) data = fbb.CreateVector(kWeights);
    const auto start = fbb.StartTable();
    if (spec.external_weights) {
      fbb.AddElement<uint64_t>(fields::buffer::kOffset, external_offset, 0);
      fbb.AddElement<uint64_t>(
          fields::buffer::kSize,
          spec.external_size_override ? spec.external_size_override : kWeights.size(), 0);
    } else {
      fbb.AddOffset(fields::buffer::kData, data);
    }
    buffers.push_back(end(start));
  }
  {
    const std::string version = "1.14.0";
    const auto data =
        fbb.CreateVector(reinterpret_cast<const uint8_t*>(version.data()), version.size());
    const auto start = fbb.StartTable();
    fbb.AddOffset(fields::buffer::kData, data);
    buffers.push_back(end(start));
  }
  const auto buffer_vector = fbb.CreateVector(buffers);

  std::vector<TableOffset> codes;
  {
    const auto start = fbb.StartTable();
    fbb.AddElement<int8_t>(fields::operator_code::kDeprecatedBuiltinCode, spec.deprecated_code, 0);
    fbb.AddElement<int32_t>(fields::operator_code::kBuiltinCode, spec.builtin_code, 0);
    codes.push_back(end(start));
  }
  const auto code_vector = fbb.CreateVector(codes);

  auto quantization = [&](float scale, bool min_max_only) {
    const auto min = fbb.CreateVector(std::vector<float>{-1.0f});
    const auto max = fbb.CreateVector(std::vector<float>{1.0f});
    const auto scales = fbb.CreateVector(std::vector<float>{scale});
    const auto zero_points = fbb.CreateVector(std::vector<int64_t>{0});
    TableOffset details;
    if (spec.custom_quantization) {
      const auto custom = fbb.CreateVector(std::vector<uint8_t>{1, 2});
      const auto start = fbb.StartTable();
      fbb.AddOffset(fields::field(0), custom);  // CustomQuantization.custom
      details = end(start);
    }
    const auto start = fbb.StartTable();
    if (spec.extras || min_max_only) {
      fbb.AddOffset(fields::field(0), min);  // QuantizationParameters.min
      fbb.AddOffset(fields::field(1), max);  // QuantizationParameters.max
    }
    if (min_max_only) {
      fbb.AddElement<int32_t>(fields::quantization::kQuantizedDimension, 1, 0);
      return end(start);
    }
    fbb.AddOffset(fields::quantization::kScale, scales);
    fbb.AddOffset(fields::quantization::kZeroPoint, zero_points);
    if (spec.custom_quantization) {
      fbb.AddElement<uint8_t>(fields::quantization::kDetailsType, 1, 0);
      fbb.AddOffset(fields::field(5), details);  // QuantizationParameters.details
    }
    return end(start);
  };
  auto tensor = [&](const char* name, std::vector<int32_t> shape, uint32_t buffer, bool sparse,
                    bool min_max_only = false) {
    const auto shape_vector = fbb.CreateVector(shape);
    const auto name_string = fbb.CreateString(name);
    const auto q = quantization(0.5f, min_max_only);
    TableOffset sparsity;
    if (sparse) {
      const auto order = fbb.CreateVector(std::vector<int32_t>{0, 1});
      const auto start = fbb.StartTable();
      fbb.AddOffset(fields::field(0), order);  // SparsityParameters.traversal_order
      sparsity = end(start);
    }
    const auto start = fbb.StartTable();
    fbb.AddOffset(fields::tensor::kShape, shape_vector);
    fbb.AddElement<int8_t>(fields::tensor::kType, 9, 0);  // INT8
    fbb.AddElement<uint32_t>(fields::tensor::kBuffer, buffer, 0);
    fbb.AddOffset(fields::tensor::kName, name_string);
    fbb.AddOffset(fields::tensor::kQuantization, q);
    if (sparse) fbb.AddOffset(fields::tensor::kSparsity, sparsity);
    if (spec.extras) fbb.AddElement<uint8_t>(fields::field(8), 1, 0);  // Tensor.has_rank
    return end(start);
  };
  std::vector<TableOffset> tensors = {tensor("input", {1, 4}, 0, false),
                                      tensor("weights", {2, 4}, 1, spec.sparse_weights),
                                      tensor("output", {1, 2}, 0, false, spec.output_min_max_only)};
  const auto tensor_vector = fbb.CreateVector(tensors);

  const auto op_inputs = fbb.CreateVector(std::vector<int32_t>{0, 1, -1});
  const auto op_outputs = fbb.CreateVector(std::vector<int32_t>{2});
  TableOffset fc_options;
  {
    const auto start = fbb.StartTable();
    fbb.AddElement<int8_t>(fields::fully_connected::kActivation, 1, 0);  // RELU
    fc_options = end(start);
  }
  std::vector<TableOffset> operators;
  {
    const auto start = fbb.StartTable();
    fbb.AddOffset(fields::op::kInputs, op_inputs);
    fbb.AddOffset(fields::op::kOutputs, op_outputs);
    fbb.AddElement<uint8_t>(fields::op::kBuiltinOptionsType, 8, 0);  // FullyConnectedOptions
    fbb.AddOffset(fields::op::kBuiltinOptions, fc_options);
    operators.push_back(end(start));
  }
  const auto operator_vector = fbb.CreateVector(operators);
  const auto inputs = fbb.CreateVector(std::vector<int32_t>{0});
  const auto outputs = fbb.CreateVector(std::vector<int32_t>{2});
  const auto subgraph_name = fbb.CreateString("main");
  std::vector<TableOffset> subgraphs;
  {
    const auto start = fbb.StartTable();
    fbb.AddOffset(fields::subgraph::kTensors, tensor_vector);
    fbb.AddOffset(fields::subgraph::kInputs, inputs);
    fbb.AddOffset(fields::subgraph::kOutputs, outputs);
    fbb.AddOffset(fields::subgraph::kOperators, operator_vector);
    fbb.AddOffset(fields::subgraph::kName, subgraph_name);
    subgraphs.push_back(end(start));
  }
  const auto subgraph_vector = fbb.CreateVector(subgraphs);

  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::Table>>> metadata;
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::Table>>> signatures;
  if (spec.extras) {
    const auto metadata_name = fbb.CreateString("min_runtime_version");
    auto start = fbb.StartTable();
    fbb.AddOffset(fields::field(0), metadata_name);    // Metadata.name
    fbb.AddElement<uint32_t>(fields::field(1), 2, 0);  // Metadata.buffer
    metadata = fbb.CreateVector(std::vector<TableOffset>{end(start)});

    const auto alias = fbb.CreateString("serving_input");
    start = fbb.StartTable();
    fbb.AddOffset(fields::field(0), alias);            // TensorMap.name
    fbb.AddElement<uint32_t>(fields::field(1), 0, 0);  // TensorMap.tensor_index
    const auto maps = fbb.CreateVector(std::vector<TableOffset>{end(start)});
    const auto key = fbb.CreateString("serving_default");
    start = fbb.StartTable();
    fbb.AddOffset(fields::field(0), maps);  // SignatureDef.inputs
    fbb.AddOffset(fields::field(2), key);   // SignatureDef.signature_key
    signatures = fbb.CreateVector(std::vector<TableOffset>{end(start)});
  }
  const auto description = fbb.CreateString("hand-built");
  const auto start = fbb.StartTable();
  fbb.AddElement<uint32_t>(fields::model::kVersion, 3, 0);
  fbb.AddOffset(fields::model::kOperatorCodes, code_vector);
  fbb.AddOffset(fields::model::kSubgraphs, subgraph_vector);
  fbb.AddOffset(fields::model::kDescription, description);
  fbb.AddOffset(fields::model::kBuffers, buffer_vector);
  if (spec.extras) {
    fbb.AddOffset(fields::field(6), metadata);    // Model.metadata
    fbb.AddOffset(fields::field(7), signatures);  // Model.signature_defs
  }
  fbb.Finish(end(start), "TFL3");
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

std::vector<uint8_t> foreign_file(const ForeignFile& spec) {
  if (!spec.external_weights) return build(spec, 0);
  // The flatbuffer's size does not depend on the offset's value: measure, then place the
  // weights 16-aligned after it.
  const size_t flatbuffer_size = build(spec, 1u << 20).size();
  const size_t offset = (flatbuffer_size + 15) / 16 * 16;
  std::vector<uint8_t> bytes = build(spec, offset);
  EXPECT_EQ(bytes.size(), flatbuffer_size);
  bytes.resize(offset, 0);
  bytes.insert(bytes.end(), kWeights.begin(), kWeights.end());
  return bytes;
}

std::string read_error(const std::vector<uint8_t>& bytes) {
  try {
    read_model(bytes);
  } catch (const TfliteError& e) {
    return e.what();
  }
  return "(read without error)";
}

TEST(TfliteReaderTest, ReadsAFileWithOnlyTheInt8OpcodeField) {
  const Model model = read_model(foreign_file({}));
  ASSERT_EQ(model.operator_codes.size(), 1u);
  EXPECT_EQ(model.operator_codes[0].builtin_code, BuiltinOperator::kFullyConnected);
  const Operator& op = model.subgraphs[0].operators[0];
  EXPECT_EQ(std::get<FullyConnectedOptions>(op.options).activation, Activation::kRelu);
  EXPECT_EQ(op.inputs, (std::vector<int32_t>{0, 1, -1}));
  EXPECT_EQ(model.buffers[1].data, kWeights);
  EXPECT_EQ(model.description, "hand-built");
}

TEST(TfliteReaderTest, TheLargerOfTheTwoOpcodeFieldsIsTheCode) {
  ForeignFile both;
  both.deprecated_code = 9;
  both.builtin_code = 9;
  EXPECT_EQ(read_model(foreign_file(both)).operator_codes[0].builtin_code,
            BuiltinOperator::kFullyConnected);
  ForeignFile extended;
  extended.deprecated_code = 127;  // the placeholder
  extended.builtin_code = 150;     // GELU: the options then stay undecoded
  const Model model = read_model(foreign_file(extended));
  EXPECT_EQ(model.operator_codes[0].builtin_code, static_cast<BuiltinOperator>(150));
  EXPECT_EQ(model.subgraphs[0].operators[0].options, BuiltinOptions(UndecodedOptions{8}));
}

TEST(TfliteReaderTest, FieldsWeDoNotKeepAreSkipped) {
  const Model with_extras = read_model(foreign_file({}));
  ForeignFile plain;
  plain.extras = false;
  const Model without = read_model(foreign_file(plain));
  EXPECT_EQ(with_extras.subgraphs, without.subgraphs);
  EXPECT_EQ(with_extras.subgraphs[0].tensors[0].quantization.scales, std::vector<float>{0.5f});
}

// Such a table quantizes nothing; its dimension is dropped, as the writer leaves empty
// quantization out (the fuzzer found the round trip losing it).
TEST(TfliteReaderTest, QuantizationWithoutScalesReadsAsNone) {
  ForeignFile spec;
  spec.output_min_max_only = true;
  const Model model = read_model(foreign_file(spec));
  EXPECT_EQ(model.subgraphs[0].tensors[2].quantization, Quantization{});
  EXPECT_EQ(read_model(write_model(model)), model);
}

TEST(TfliteReaderTest, ReadsConstantsStoredAfterTheFlatbuffer) {
  ForeignFile spec;
  spec.external_weights = true;
  const Model model = read_model(foreign_file(spec));
  EXPECT_EQ(model.buffers[1].data, kWeights);
  // Written back, the constants move inside the flatbuffer.
  EXPECT_EQ(read_model(write_model(model)), model);
}

TEST(TfliteReaderTest, ExternalConstantsPastTheEndAreRefused) {
  ForeignFile spec;
  spec.external_weights = true;
  spec.external_size_override = 4096;
  const std::string error = read_error(foreign_file(spec));
  EXPECT_NE(error.find("buffer 1: external data at offset "), std::string::npos) << error;
  EXPECT_NE(error.find("size 4096 runs past the end of the file"), std::string::npos) << error;
}

TEST(TfliteReaderTest, SparseTensorsAreRefused) {
  ForeignFile spec;
  spec.sparse_weights = true;
  EXPECT_EQ(read_error(foreign_file(spec)),
            "subgraph 0 tensor 1: sparsity: sparse tensors are not supported");
}

TEST(TfliteReaderTest, CustomQuantizationIsRefused) {
  ForeignFile spec;
  spec.custom_quantization = true;
  EXPECT_EQ(read_error(foreign_file(spec)),
            "subgraph 0 tensor 0 quantization: details_type = 1: custom quantization is not "
            "supported");
}

TEST(TfliteReaderTest, NegativeOpcodesAreRefused) {
  ForeignFile spec;
  spec.deprecated_code = -3;
  EXPECT_EQ(read_error(foreign_file(spec)),
            "operator code 0: deprecated_builtin_code = -3 is negative");
}

TEST(TfliteReaderTest, ShortOrForeignFilesAreRefused) {
  EXPECT_EQ(read_error({}), "file of 0 bytes is too short for a TFLite flatbuffer");
  EXPECT_EQ(read_error({1, 2, 3}), "file of 3 bytes is too short for a TFLite flatbuffer");
  std::vector<uint8_t> bytes = write_model(testing::make_fully_connected_model(4, 2, 1));
  std::memcpy(bytes.data() + 4, "TNM\x01", 4);
  EXPECT_EQ(read_error(bytes),
            "file identifier is \"TNM\\x01\", expected \"TFL3\": not a TFLite model");
}

TEST(TfliteReaderTest, OtherSchemaVersionsAreRefused) {
  Model model = testing::make_fully_connected_model(4, 2, 1);
  model.version = 2;
  EXPECT_EQ(read_error(serialize_model_unvalidated(model)),
            "model: version = 2, only schema version 3 is supported");
}

TEST(TfliteReaderTest, RootOutsideTheFileIsRefused) {
  std::vector<uint8_t> bytes = write_model(testing::make_fully_connected_model(4, 2, 1));
  const uint32_t far = 0x7ffffff0;
  std::memcpy(bytes.data(), &far, sizeof(far));
  EXPECT_EQ(read_error(bytes), "model: the root table offset points outside the file");
}

// Every prefix of a valid file is refused with a TfliteError (or, past the flatbuffer's last
// referenced byte, read), and never crashes.
TEST(TfliteReaderTest, TruncatedFilesAreRefusedCleanly) {
  const std::vector<uint8_t> bytes = write_model(testing::make_conv_model(4, 2, 2, 1, 3));
  int refused = 0;
  for (size_t size = 0; size < bytes.size(); ++size) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(size));
    try {
      read_model(prefix);
    } catch (const TfliteError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, static_cast<int>(bytes.size()) * 9 / 10);
}

// Every single-bit change of a valid file is read or refused with a TfliteError.
TEST(TfliteReaderTest, BitFlipsAreReadOrRefusedCleanly) {
  const std::vector<uint8_t> bytes = write_model(testing::make_fully_connected_model(4, 3, 2));
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> flipped = bytes;
      flipped[i] = static_cast<uint8_t>(flipped[i] ^ (1u << bit));
      try {
        read_model(flipped);
      } catch (const TfliteError&) {
      }
    }
  }
}

TEST(TfliteReaderTest, FileErrorsNameThePath) {
  const std::string missing =
      (std::filesystem::temp_directory_path() / "tinynas-no-such-model.tflite").string();
  try {
    read_model_file(missing);
    FAIL() << "expected a TfliteError";
  } catch (const TfliteError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot open the file");
  }
}

}  // namespace
}  // namespace tinynas::tflite
