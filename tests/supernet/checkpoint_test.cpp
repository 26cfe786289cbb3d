#include "supernet/checkpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "tests/supernet/tiny_space.h"

namespace tinynas::supernet {
namespace {

TEST(Checkpoint, RoundTripRestoresWeightsStatisticsAndSpace) {
  torch::manual_seed(21);
  const std::string dir =
      (std::filesystem::temp_directory_path() / "tinynas_checkpoint_test").string();
  std::filesystem::remove_all(dir);
  OFASupernet net(testing::tiny_space());
  net->train();
  net->forward(torch::randn({4, 1, 12, 12}));  // moves BN statistics away from their defaults
  net->sort_channels_by_importance();
  const nlohmann::json metadata = {{"format", kCheckpointFormat},
                                   {"space", space::search_space_to_json(net->space())},
                                   {"completed_epochs", 3}};
  save_checkpoint(dir, net, nullptr, metadata);

  OFASupernet loaded = load_supernet_checkpoint(dir + "/" + kWeightsFile);
  EXPECT_EQ(read_checkpoint_metadata(dir).at("completed_epochs"), 3);
  const auto a = net->named_parameters();
  const auto b = loaded->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  const auto ab = net->named_buffers();
  const auto bb = loaded->named_buffers();
  for (const auto& item : ab) EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
  net->eval();
  loaded->eval();
  const torch::Tensor x = torch::randn({2, 1, 12, 12});
  EXPECT_TRUE(torch::equal(net->forward(x), loaded->forward(x)));
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, MissingFilesAreNamed) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / "tinynas_checkpoint_missing").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  try {
    read_checkpoint_metadata(dir);
    FAIL() << "expected an exception";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("metadata.json"), std::string::npos) << e.what();
  }
  OFASupernet net(testing::tiny_space());
  try {
    load_supernet_weights(dir, net);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("supernet.pt"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, WeightsOfAnotherSpaceAreRejected) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / "tinynas_checkpoint_mismatch").string();
  std::filesystem::remove_all(dir);
  OFASupernet net(testing::tiny_space(4));
  save_checkpoint(dir, net, nullptr, {{"format", kCheckpointFormat}});
  OFASupernet other(testing::tiny_space(7));
  EXPECT_THROW(load_supernet_weights(dir, other), std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tinynas::supernet
