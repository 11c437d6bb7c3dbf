#include "genreg/eval/earth_movers.h"

#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "genreg/core/error.h"

namespace genreg {

torch::Tensor squared_distances(const torch::Tensor& a, const torch::Tensor& b) {
  require(a.dim() >= 1 && b.dim() >= 1 && a.size(0) >= 1 && b.size(0) >= 1, "distances of empty sets");
  const auto x = a.reshape({a.size(0), -1}).to(torch::kCPU, torch::kFloat64);
  const auto y = b.reshape({b.size(0), -1}).to(torch::kCPU, torch::kFloat64);
  require(x.size(1) == y.size(1), "distances between vectors of ", x.size(1), " and ", y.size(1), " entries");
  // ||x||^2 + ||y||^2 - 2 <x, y>: one matrix product; float64 keeps the cancellation harmless at
  // image sizes, and the clamp removes the round-off below zero.
  const auto d = x.pow(2).sum(1, true) + y.pow(2).sum(1).unsqueeze(0) - 2 * x.matmul(y.t());
  return d.clamp_min(0.0);
}

EarthMoversResult optimal_transport(const torch::Tensor& cost_matrix) {
  require(cost_matrix.dim() == 2 && cost_matrix.size(0) >= 1 && cost_matrix.size(1) >= 1,
          "optimal transport needs an (N, M) cost matrix");
  const auto cost = cost_matrix.to(torch::kCPU, torch::kFloat64).contiguous();
  require(torch::isfinite(cost).all().item<bool>() && cost.min().item<double>() >= 0,
          "optimal transport costs must be finite and non-negative");
  const int64_t n = cost.size(0), m = cost.size(1);
  // Integer supplies: every source sends M units, every sink takes N (weights 1/N and 1/M scaled
  // by N M), so that the flow is integral and the network simplex exact.
  require(n * m < std::numeric_limits<int>::max(), "optimal transport of ", n, " x ", m,
          " points is too large (N M must stay below 2^31)");
  const double* c = cost.data_ptr<double>();
  const double largest = cost.max().item<double>();
  // Costs on an integer grid: 1e9 steps up to the largest, so that sum(flow * cost) <= N M 1e9
  // stays far inside int64.
  const double scale = largest > 0 ? 1e9 / largest : 0.0;

  using Graph = lemon::StaticDigraph;
  Graph graph;
  {
    std::vector<std::pair<int, int>> arcs;
    arcs.reserve(static_cast<size_t>(n * m));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) arcs.emplace_back(static_cast<int>(i), static_cast<int>(n + j));
    graph.build(static_cast<int>(n + m), arcs.begin(), arcs.end());
  }
  Graph::ArcMap<long long> arc_cost(graph);
  for (int64_t k = 0; k < n * m; ++k) arc_cost[graph.arc(static_cast<int>(k))] = std::llround(c[k] * scale);
  Graph::NodeMap<int> supply(graph);
  for (int64_t i = 0; i < n; ++i) supply[graph.node(static_cast<int>(i))] = static_cast<int>(m);
  for (int64_t j = 0; j < m; ++j) supply[graph.node(static_cast<int>(n + j))] = -static_cast<int>(n);

  lemon::NetworkSimplex<Graph, int, long long> simplex(graph);
  simplex.costMap(arc_cost).supplyMap(supply);
  const auto status = simplex.run();
  require(status == lemon::NetworkSimplex<Graph, int, long long>::OPTIMAL,
          "optimal transport: the network simplex found no optimal flow");

  std::vector<int64_t> rows, cols;
  std::vector<double> mass;
  double total = 0.0;
  const double unit = 1.0 / (static_cast<double>(n) * static_cast<double>(m));
  for (int64_t k = 0; k < n * m; ++k) {
    const int f = simplex.flow(graph.arc(static_cast<int>(k)));
    if (f == 0) continue;
    rows.push_back(k / m);
    cols.push_back(k % m);
    mass.push_back(f * unit);
    total += f * unit * c[k];
  }
  EarthMoversResult out;
  out.distance = total;
  out.rows = torch::tensor(rows, torch::kInt64);
  out.cols = torch::tensor(cols, torch::kInt64);
  out.mass = torch::tensor(mass, torch::kFloat64);
  return out;
}

EarthMoversResult earth_movers_distance(const torch::Tensor& a, const torch::Tensor& b) {
  return optimal_transport(squared_distances(a, b));
}

}  // namespace genreg
