#include "supernet/subnet_accuracy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "supernet/progressive_shrinking.h"
#include "tests/supernet/tiny_training_job.h"

namespace tinynas::supernet {
namespace {

// One trained tiny checkpoint for the whole suite (training takes about a second).
const std::string& trained_checkpoint() {
  static const std::string dir = [] {
    const TrainingJob job = testing::tiny_training_job("tinynas_subnet_accuracy");
    return train_supernet(job, {}).checkpoint_dir;
  }();
  return dir;
}

TEST(SubnetAccuracy, FirstImagesEvaluatesThatPrefixOfTheSplit) {
  AccuracyOptions all_options;
  SubnetAccuracyEvaluator all(trained_checkpoint(), all_options);
  const nas::SubnetConfig largest = nas::largest_subnet(all.space());
  const SubnetAccuracy whole = all.evaluate(largest);
  EXPECT_EQ(whole.images, 64);  // the synthetic test split

  AccuracyOptions prefix_options;
  prefix_options.first_images = 16;
  SubnetAccuracyEvaluator prefix(trained_checkpoint(), prefix_options);
  const SubnetAccuracy first = prefix.evaluate(largest, /*int8=*/true);
  EXPECT_EQ(first.images, 16);
  EXPECT_EQ(first.dataset, whole.dataset);
  // Accuracies over 16 images are multiples of 1/16.
  EXPECT_DOUBLE_EQ(first.float_accuracy * 16, std::round(first.float_accuracy * 16));
  ASSERT_TRUE(first.int8_accuracy.has_value());
  EXPECT_DOUBLE_EQ(*first.int8_accuracy * 16, std::round(*first.int8_accuracy * 16));
}

TEST(SubnetAccuracy, FirstImagesBeyondTheSplitIsAnErrorNamingTheOption) {
  AccuracyOptions options;
  options.first_images = 65;
  try {
    SubnetAccuracyEvaluator evaluator(trained_checkpoint(), options);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("first_images"), std::string::npos) << message;
    EXPECT_NE(message.find("65"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tinynas::supernet
