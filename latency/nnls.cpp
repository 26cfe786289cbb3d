#include "latency/nnls.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynas::latency {
namespace {

constexpr int kIterationsPerColumn = 3;

// Least squares on the passive columns only; the other entries of the result are zero.
Eigen::VectorXd solve_passive(const Eigen::MatrixXd& a, const Eigen::VectorXd& b,
                              const std::vector<bool>& passive) {
  std::vector<Eigen::Index> columns;
  for (Eigen::Index j = 0; j < a.cols(); ++j) {
    if (passive[static_cast<std::size_t>(j)]) columns.push_back(j);
  }
  Eigen::VectorXd z = Eigen::VectorXd::Zero(a.cols());
  if (columns.empty()) return z;
  Eigen::MatrixXd sub(a.rows(), static_cast<Eigen::Index>(columns.size()));
  for (std::size_t k = 0; k < columns.size(); ++k) {
    sub.col(static_cast<Eigen::Index>(k)) = a.col(columns[k]);
  }
  const Eigen::VectorXd solution = sub.completeOrthogonalDecomposition().solve(b);
  for (std::size_t k = 0; k < columns.size(); ++k) {
    z(columns[k]) = solution(static_cast<Eigen::Index>(k));
  }
  return z;
}

}  // namespace

NnlsResult solve_nnls(const Eigen::MatrixXd& a_in, const Eigen::VectorXd& b,
                      const NnlsOptions& options) {
  if (a_in.rows() != b.size()) {
    throw std::invalid_argument("nnls: A has " + std::to_string(a_in.rows()) + " rows but b has " +
                                std::to_string(b.size()) + " entries");
  }
  if (!a_in.allFinite() || !b.allFinite()) {
    throw std::invalid_argument("nnls: A and b must be finite");
  }
  const Eigen::Index n = a_in.cols();
  // Unit-norm columns; all-zero columns stay zero (and keep a zero coefficient).
  Eigen::VectorXd scale = a_in.colwise().norm().transpose();
  Eigen::MatrixXd a = a_in;
  for (Eigen::Index j = 0; j < n; ++j) {
    if (scale(j) > 0.0) {
      a.col(j) /= scale(j);
    } else {
      scale(j) = 1.0;
    }
  }
  const int max_iterations =
      options.max_iterations > 0
          ? options.max_iterations
          : kIterationsPerColumn * static_cast<int>(std::max<Eigen::Index>(n, 1));

  NnlsResult result;
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(static_cast<std::size_t>(n), false);
  Eigen::VectorXd w = a.transpose() * (b - a * x);
  const double tolerance = options.tolerance * std::max(1.0, w.cwiseAbs().maxCoeff());

  while (result.iterations < max_iterations) {
    // Step 3-4: the active (zero) variable whose increase reduces the residual most.
    Eigen::Index best = -1;
    double best_w = tolerance;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (!passive[static_cast<std::size_t>(j)] && w(j) > best_w) {
        best_w = w(j);
        best = j;
      }
    }
    if (best < 0) {
      result.converged = true;
      break;
    }
    ++result.iterations;
    passive[static_cast<std::size_t>(best)] = true;
    // Steps 6-11 (inner loop): solve on the passive set; step back to the feasible region
    // while the unconstrained solution has non-positive entries.
    Eigen::VectorXd z = solve_passive(a, b, passive);
    while (true) {
      bool feasible = true;
      double alpha = 1.0;
      Eigen::Index limiting = -1;
      for (Eigen::Index j = 0; j < n; ++j) {
        if (passive[static_cast<std::size_t>(j)] && z(j) <= 0.0) {
          feasible = false;
          const double denominator = x(j) - z(j);
          const double ratio = denominator > 0.0 ? x(j) / denominator : 0.0;
          if (limiting < 0 || ratio < alpha) {
            alpha = ratio;
            limiting = j;
          }
        }
      }
      if (feasible) break;
      x += alpha * (z - x);
      // The variable that limited the step is now zero (exactly, not up to rounding); any
      // other passive variable that reached zero leaves the passive set with it.
      x(limiting) = 0.0;
      for (Eigen::Index j = 0; j < n; ++j) {
        if (passive[static_cast<std::size_t>(j)] && x(j) <= 0.0) {
          passive[static_cast<std::size_t>(j)] = false;
          x(j) = 0.0;
        }
      }
      z = solve_passive(a, b, passive);
    }
    x = z;
    w = a.transpose() * (b - a * x);
  }
  result.x = x.cwiseQuotient(scale).cwiseMax(0.0);
  result.residual_norm = (a_in * result.x - b).norm();
  return result;
}

}  // namespace tinynas::latency
