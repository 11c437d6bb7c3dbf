// Forward operators and classical solvers. Run:
//   build/benchmarks/genreg_benchmarks --benchmark_filter='Operator|Solver'
#include <benchmark/benchmark.h>

#include "genreg/core/runtime.h"
#include "genreg/data/shapes.h"
#include "genreg/functionals/data_fidelity.h"
#include "genreg/operators/make_operator.h"
#include "genreg/operators/ray_transform.h"
#include "genreg/solvers/classical.h"

namespace {

// Apply then adjoint on a batch of 100 images; range(0) = image side.
void operator_round_trip(benchmark::State& state, const char* spec) {
  genreg::configure_threads(0);
  const int64_t side = state.range(0);
  const auto op = genreg::make_operator(spec, side, side);
  auto x = torch::rand({100, 1, side, side});
  for (auto _ : state) {
    auto back = op->adjoint(op->apply(x));
    benchmark::DoNotOptimize(back.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK_CAPTURE(operator_round_trip, OperatorTomo, "tomo")->Arg(28)->Arg(56)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(operator_round_trip, OperatorCs150, "cs:150")->Arg(28)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(operator_round_trip, OperatorBlurGauss5, "blur:gauss5")
    ->Arg(28)
    ->Arg(56)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(operator_round_trip, OperatorMri4, "mri:4")->Arg(56)->Unit(benchmark::kMillisecond);

// The ray transform's sparse product for 100 56x56 images: genreg's CSR kernel against torch's
// sparse COO product (what RayTransform used before), same matrix, same machine, same run.
void BM_OperatorTomoSparseProduct(benchmark::State& state) {
  genreg::configure_threads(0);
  const genreg::RayTransform op(genreg::ParallelBeamGeometry::make(56, 56), false);
  const auto& a = op.matrix();
  const auto coo = a.to_torch().to(torch::kFloat32);
  auto x = torch::rand({100, 56 * 56});
  for (auto _ : state) {
    auto y = state.range(0) == 0 ? a.multiply(x) : torch::mm(coo, x.t()).t();
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  state.SetLabel(state.range(0) == 0 ? "genreg CSR" : "torch COO");
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_OperatorTomoSparseProduct)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_OperatorTomoBuild(benchmark::State& state) {
  // The first construction of a geometry builds the sparse matrix; later ones reuse it but still
  // estimate the norm. This measures the cached case plus normalisation.
  genreg::configure_threads(0);
  for (auto _ : state) {
    auto op = genreg::make_operator("tomo", 56, 56);
    benchmark::DoNotOptimize(op.get());
  }
}
BENCHMARK(BM_OperatorTomoBuild)->Unit(benchmark::kMillisecond);

// TV by PDHG, 1000 iterations, on 100 shapes images under `tomo` with sigma 0.05; arg = BLAS threads.
void BM_SolverTvTomo(benchmark::State& state) {
  genreg::configure_threads(0);
  genreg::set_blas_threads(static_cast<int>(state.range(0)));
  const auto op = genreg::make_operator("tomo", 56, 56);
  auto x = genreg::generate_shapes(genreg::ShapesOptions(), 1, 0, 100);
  auto y = op->apply(x) + 0.05 * torch::randn({100, 1, 125, 81});
  genreg::DataFidelity data(op, y, 0.05);
  for (auto _ : state) {
    auto r = genreg::solve_tv(data, torch::full({100}, 0.3, torch::kFloat64),
                              genreg::PdhgOptions().max_iterations(1000).tolerance(0));
    benchmark::DoNotOptimize(r.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_SolverTvTomo)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1);

// The same on mnist-sized images under cs:150 (200 images, as `genreg reconstruct`).
void BM_SolverTvCs150(benchmark::State& state) {
  genreg::configure_threads(0);
  genreg::set_blas_threads(static_cast<int>(state.range(0)));
  const auto op = genreg::make_operator("cs:150", 28, 28);
  auto x = torch::rand({200, 1, 28, 28});
  auto y = op->apply(x) + 0.1 * torch::randn({200, 150});
  genreg::DataFidelity data(op, y, 0.1);
  for (auto _ : state) {
    auto r = genreg::solve_tv(data, torch::full({200}, 1.0, torch::kFloat64),
                              genreg::PdhgOptions().max_iterations(1000).tolerance(0));
    benchmark::DoNotOptimize(r.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 200);
}
BENCHMARK(BM_SolverTvCs150)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
