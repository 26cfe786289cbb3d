// Lawson-Hanson NNLS on synthetic problems with known answers.
#include "latency/nnls.h"

#include <gtest/gtest.h>

#include <random>

namespace tinynas::latency {
namespace {

constexpr double kTight = 1e-8;

TEST(Nnls, RecoversKnownNonNegativeCoefficientsOfBadlyScaledFeatures) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  constexpr int kRows = 200;
  // Columns as different in scale as MACs (1e6) and a constant (1).
  const Eigen::Vector4d scale(1e6, 1e3, 10.0, 1.0);
  const Eigen::Vector4d truth(2.5, 0.0, 17.0, 300.0);
  Eigen::MatrixXd a(kRows, 4);
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < 3; ++c) a(r, c) = uniform(rng) * scale(c);
    a(r, 3) = 1.0;
  }
  const Eigen::VectorXd b = a * truth;
  const NnlsResult result = solve_nnls(a, b);
  ASSERT_TRUE(result.converged);
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(result.x(c), truth(c), 1e-6 * (1 + truth(c))) << c;
  EXPECT_LT(result.residual_norm, 1e-6 * b.norm());
}

TEST(Nnls, ClampsWhereUnconstrainedLeastSquaresWouldGoNegative) {
  // b = 2 a0 - 1 a1 exactly: unconstrained LS says (2, -1); NNLS must say x1 = 0 and x0 the
  // best fit of b by a0 alone, <a0, b> / <a0, a0>.
  Eigen::MatrixXd a(4, 2);
  a << 1, 0, 1, 1, 1, 2, 1, 3;
  const Eigen::VectorXd b = 2 * a.col(0) - a.col(1);
  const NnlsResult result = solve_nnls(a, b);
  ASSERT_TRUE(result.converged);
  EXPECT_NEAR(result.x(1), 0.0, kTight);
  EXPECT_NEAR(result.x(0), a.col(0).dot(b) / a.col(0).squaredNorm(), kTight);
  EXPECT_GE(result.x.minCoeff(), 0.0);
}

TEST(Nnls, HandlesCollinearAndZeroColumns) {
  // Column 1 is 3 x column 0 (kernel size and stride are constant within an op class: they
  // duplicate the constant column); column 2 is all zeros.
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> uniform(1.0, 2.0);
  constexpr int kRows = 50;
  Eigen::MatrixXd a(kRows, 4);
  for (int r = 0; r < kRows; ++r) {
    a(r, 0) = 1.0;
    a(r, 1) = 3.0;
    a(r, 2) = 0.0;
    a(r, 3) = uniform(rng);
  }
  const Eigen::VectorXd b = 10.0 * a.col(0) + 4.0 * a.col(3);
  const NnlsResult result = solve_nnls(a, b);
  ASSERT_TRUE(result.converged);
  EXPECT_TRUE(result.x.allFinite());
  EXPECT_GE(result.x.minCoeff(), 0.0);
  EXPECT_EQ(result.x(2), 0.0);
  // The split between the collinear columns is not unique; the fit is.
  EXPECT_NEAR(result.x(0) + 3.0 * result.x(1), 10.0, 1e-8);
  EXPECT_NEAR(result.x(3), 4.0, 1e-8);
  EXPECT_LT(result.residual_norm, 1e-8 * b.norm());
}

TEST(Nnls, AllNegativeTargetGivesZero) {
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(3, 3);
  const Eigen::VectorXd b = -Eigen::VectorXd::Ones(3);
  const NnlsResult result = solve_nnls(a, b);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.x, Eigen::VectorXd::Zero(3));
}

TEST(Nnls, MatchesABruteForceSearchOverActiveSets) {
  // For small problems the NNLS optimum is the best unconstrained LS over all column subsets
  // whose solution is non-negative.
  std::mt19937 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int trial = 0; trial < 20; ++trial) {
    Eigen::MatrixXd a(12, 4);
    Eigen::VectorXd b(12);
    for (int r = 0; r < 12; ++r) {
      for (int c = 0; c < 4; ++c) a(r, c) = normal(rng);
      b(r) = normal(rng);
    }
    double best = (b).norm();
    for (int mask = 1; mask < 16; ++mask) {
      std::vector<int> columns;
      for (int c = 0; c < 4; ++c) {
        if (mask & (1 << c)) columns.push_back(c);
      }
      Eigen::MatrixXd sub(12, static_cast<Eigen::Index>(columns.size()));
      for (std::size_t k = 0; k < columns.size(); ++k) sub.col(k) = a.col(columns[k]);
      const Eigen::VectorXd x = sub.colPivHouseholderQr().solve(b);
      if (x.minCoeff() >= 0.0) best = std::min(best, (sub * x - b).norm());
    }
    const NnlsResult result = solve_nnls(a, b);
    EXPECT_TRUE(result.converged);
    EXPECT_NEAR(result.residual_norm, best, 1e-9) << "trial " << trial;
  }
}

TEST(Nnls, RejectsMismatchedSizes) {
  EXPECT_THROW(solve_nnls(Eigen::MatrixXd::Ones(3, 2), Eigen::VectorXd::Ones(4)),
               std::invalid_argument);
}

}  // namespace
}  // namespace tinynas::latency
