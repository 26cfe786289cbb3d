#include "datasets/spread_sample.h"

#include <gtest/gtest.h>

namespace tinynas::datasets {
namespace {

TEST(SpreadSample, TakesEveryKthImageAndAllWhenAskedForMore) {
  EXPECT_EQ(spread_sample_indices(20, 4), (std::vector<std::size_t>{0, 5, 10, 15}));
  EXPECT_EQ(spread_sample_indices(10, 3), (std::vector<std::size_t>{0, 3, 6}));
  EXPECT_EQ(spread_sample_indices(3, 5), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_TRUE(spread_sample_indices(0, 5).empty());
  EXPECT_TRUE(spread_sample_indices(5, 0).empty());
  // 10,000 test images, 1,000 sent: every 10th, the last one in the split's last tenth.
  const std::vector<std::size_t> verify = spread_sample_indices(10000, 1000);
  ASSERT_EQ(verify.size(), 1000u);
  EXPECT_EQ(verify[1], 10u);
  EXPECT_EQ(verify.back(), 9990u);
}

}  // namespace
}  // namespace tinynas::datasets
