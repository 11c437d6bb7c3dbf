// Latent optimisation through the paper decoder: forward, input gradient and one hard-constraint
// solve, at the batch the speed target uses (100 images x 4 restarts). Run:
//   build/benchmarks/genreg_benchmarks --benchmark_filter='Decoder|Hard'
#include <benchmark/benchmark.h>

#include "genreg/core/runtime.h"
#include "genreg/data/dataset.h"
#include "genreg/models/generative_model.h"
#include "genreg/operators/measurements.h"
#include "genreg/solvers/method_registry.h"

namespace {

genreg::GenerativeModelPtr paper_vae(int64_t channels) {
  genreg::ModelConfig c;
  c.kind = genreg::"vae";
  c.height = c.width = 28;
  c.latent_dim = 8;
  c.channels = channels;
  torch::manual_seed(0);
  auto model = std::make_shared<genreg::GenerativeModel>(c);
  model->eval();
  model->set_trainable(false);
  return model;
}

// Decoder forward without gradients; range(0) = base channels.
void BM_DecoderForward(benchmark::State& state) {
  genreg::configure_threads(0);
  genreg::set_blas_threads(1);
  auto model = paper_vae(state.range(0));
  const auto z = torch::randn({400, 8});
  for (auto _ : state) {
    torch::NoGradGuard no_grad;
    auto x = model->decode(z);
    benchmark::DoNotOptimize(x.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 400);
}
BENCHMARK(BM_DecoderForward)->Arg(16)->Arg(32)->Unit(benchmark::kMillisecond);

// Forward with autograd and the gradient with respect to z (weights frozen).
void BM_DecoderLatentGradient(benchmark::State& state) {
  genreg::configure_threads(0);
  genreg::set_blas_threads(1);
  auto model = paper_vae(state.range(0));
  for (auto _ : state) {
    auto z = torch::randn({400, 8}).requires_grad_(true);
    auto x = model->decode(z);
    auto g = torch::autograd::grad({x.square().sum()}, {z})[0];
    benchmark::DoNotOptimize(g.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 400);
}
BENCHMARK(BM_DecoderLatentGradient)->Arg(16)->Arg(32)->Unit(benchmark::kMillisecond);

// The speed target: hard, 100 mnist cs:150 images, 4 restarts, 200 iterations at most
// (an untrained decoder: the cost per iteration does not depend on the weights, the number of
// iterations does; BENCHMARKS.md times the trained model with the CLI).
void BM_HardConstraint100x4(benchmark::State& state) {
  genreg::configure_threads(0);
  genreg::set_blas_threads(1);
  auto model = paper_vae(state.range(0));
  const auto data = genreg::load_dataset(
      "mnist", genreg::DatasetOptions().split("test").range(genreg::IndexRange::parse("100:200")));
  const auto m = genreg::simulate_measurements(data, "cs:150", genreg::NoiseModel::parse("0.1"), 0);
  const auto rec = genreg::make_method(
      "hard", genreg::MethodSettings().generative(genreg::GenerativeOptions().restarts(4)),
      genreg::MethodPriors{model});
  genreg::DataFidelity fidelity(m.make_op(), m.y, m.sigma);
  for (auto _ : state) {
    auto x = rec->solve(fidelity, torch::full({100}, 0.1, torch::kFloat64), nullptr, {});
    benchmark::DoNotOptimize(x.data_ptr<float>());
  }
}
BENCHMARK(BM_HardConstraint100x4)->Arg(32)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
