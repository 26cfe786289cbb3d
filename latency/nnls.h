// Non-negative least squares: min ||A x - b||_2 subject to x >= 0, by the active-set method of
// C. L. Lawson and R. J. Hanson, "Solving Least Squares Problems", Prentice-Hall 1974, ch. 23
// (algorithm NNLS). Columns are scaled to unit norm first (the features of the latency model
// span many orders of magnitude), and every unconstrained sub-problem is solved with a
// complete orthogonal decomposition, so collinear or all-zero columns give the minimum-norm
// answer instead of a breakdown.
#pragma once

#include <Eigen/Dense>

namespace tinynas::latency {

struct NnlsOptions {
  int max_iterations = 0;    // outer iterations; 0: 3 x columns (Lawson & Hanson's bound)
  double tolerance = 1e-10;  // relative to the largest dual value at the start
};

struct NnlsResult {
  Eigen::VectorXd x;  // >= 0
  int iterations = 0;
  bool converged = false;
  double residual_norm = 0.0;  // ||A x - b||
};

// Throws std::invalid_argument when the sizes disagree or an entry is not finite.
NnlsResult solve_nnls(const Eigen::MatrixXd& a, const Eigen::VectorXd& b,
                      const NnlsOptions& options = {});

}  // namespace tinynas::latency
