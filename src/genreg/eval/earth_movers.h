#pragma once
// The earth mover's (Wasserstein-2 squared) distance between two finite sets of images with equal
// weights, the paper's criterion A3 (eq. 16):
//   EMD(X, Y) = min_{pi in Pi(X, Y)} sum_ij pi_ij ||x_i - y_j||^2,
// pi a coupling of the uniform measures on the N images X and the M images Y. Solved exactly as a
// minimum-cost flow (LEMON's network simplex on the complete bipartite graph), so the value is the
// optimum, not an entropic or sliced approximation.
#include <torch/torch.h>

namespace genreg {

struct EarthMoversResult {
  // sum_ij pi_ij ||x_i - y_j||^2 at the optimal coupling (a mean of squared distances).
  double distance = 0.0;
  // The optimal coupling as a sparse list of its non-zero entries: pi[rows[k], cols[k]] = mass[k]
  // (int64, int64, float64). For N = M it is a permutation with mass 1/N (Birkhoff).
  torch::Tensor rows, cols, mass;
};

// Squared Euclidean distances between the rows of a (N, ...) and b (M, ...) in float64: (N, M).
torch::Tensor squared_distances(const torch::Tensor& a, const torch::Tensor& b);

// Exact optimal transport between uniform weights for a cost matrix (N, M) of finite, non-negative
// values. Costs are rounded to integers on a grid of 1e-9 times the largest cost for the network
// simplex; the returned distance is the exact sum of the float64 costs on the plan it found.
EarthMoversResult optimal_transport(const torch::Tensor& cost);

// EMD between the images (or any vectors) a (N, ...) and b (M, ...), squared Euclidean cost.
EarthMoversResult earth_movers_distance(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace genreg
