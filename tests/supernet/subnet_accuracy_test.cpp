#include "supernet/subnet_accuracy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "supernet/progressive_shrinking.h"
#include "tests/supernet/tiny_training_job.h"

namespace tinynas::supernet {
namespace {

// A trained tiny checkpoint (about a second of training) in a folder of the running test's own:
// ctest runs the tests of this file in parallel processes.
std::string trained_checkpoint() {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const TrainingJob job = testing::tiny_training_job("tinynas_subnet_accuracy_" + test);
  return train_supernet(job, {}).checkpoint_dir;
}

TEST(SubnetAccuracy, SampleImagesEvaluatesThatManyOfTheSplit) {
  AccuracyOptions all_options;
  const std::string checkpoint = trained_checkpoint();
  SubnetAccuracyEvaluator all(checkpoint, all_options);
  const space::SubnetConfig largest = space::largest_subnet(all.space());
  const SubnetAccuracy whole = all.evaluate(largest);
  EXPECT_EQ(whole.images, 64);  // the synthetic test split

  AccuracyOptions sample_options;
  sample_options.sample_images = 16;
  SubnetAccuracyEvaluator sample(checkpoint, sample_options);
  const SubnetAccuracy first = sample.evaluate(largest, /*int8=*/true);
  EXPECT_EQ(first.images, 16);
  EXPECT_EQ(first.dataset, whole.dataset);
  // Accuracies over 16 images are multiples of 1/16.
  EXPECT_DOUBLE_EQ(first.float_accuracy * 16, std::round(first.float_accuracy * 16));
  ASSERT_TRUE(first.int8_accuracy.has_value());
  EXPECT_DOUBLE_EQ(*first.int8_accuracy * 16, std::round(*first.int8_accuracy * 16));
}

// The per-image predictions (what `eval --predictions` writes) are the ones the accuracies count.
TEST(SubnetAccuracy, PredictionsPerImageAddUpToTheAccuracies) {
  SubnetAccuracyEvaluator evaluator(trained_checkpoint());
  const SubnetAccuracy result =
      evaluator.evaluate(space::largest_subnet(evaluator.space()), /*int8=*/true);
  ASSERT_EQ(result.labels.size(), static_cast<std::size_t>(result.images));
  ASSERT_EQ(result.float_predictions.size(), result.labels.size());
  ASSERT_EQ(result.int8_predictions.size(), result.labels.size());
  int float_right = 0;
  int int8_right = 0;
  for (std::size_t i = 0; i < result.labels.size(); ++i) {
    float_right += result.float_predictions[i] == result.labels[i] ? 1 : 0;
    int8_right += result.int8_predictions[i] == result.labels[i] ? 1 : 0;
  }
  EXPECT_DOUBLE_EQ(result.float_accuracy, float_right / static_cast<double>(result.images));
  ASSERT_TRUE(result.int8_accuracy.has_value());
  EXPECT_DOUBLE_EQ(*result.int8_accuracy, int8_right / static_cast<double>(result.images));
}

TEST(SubnetAccuracy, SampleImagesBeyondTheSplitIsAnErrorNamingTheOption) {
  AccuracyOptions options;
  options.sample_images = 65;
  try {
    SubnetAccuracyEvaluator evaluator(trained_checkpoint(), options);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("sample_images"), std::string::npos) << message;
    EXPECT_NE(message.find("65"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tinynas::supernet
