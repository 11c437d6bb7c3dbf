// Data and metric throughput. Run: build/benchmarks/genreg_benchmarks --benchmark_filter=Data
#include <benchmark/benchmark.h>

#include "genreg/core/runtime.h"
#include "genreg/data/dataset.h"
#include "genreg/data/shapes.h"
#include "genreg/eval/metrics.h"

namespace {

void BM_DataShapesGenerate(benchmark::State& state) {
  genreg::configure_threads(0);
  const int64_t count = state.range(0);
  for (auto _ : state) {
    auto images = genreg::generate_shapes(genreg::ShapesOptions(), 0, 0, count);
    benchmark::DoNotOptimize(images.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * count);
}
BENCHMARK(BM_DataShapesGenerate)->Arg(60000)->Unit(benchmark::kMillisecond);

void BM_DataMnistLoad(benchmark::State& state) {
  genreg::configure_threads(0);
  for (auto _ : state) {
    auto data = genreg::load_dataset("mnist", genreg::DatasetOptions().split("train"));
    benchmark::DoNotOptimize(data.images.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 8000);
}
BENCHMARK(BM_DataMnistLoad)->Unit(benchmark::kMillisecond);

void BM_DataFashionMnistLoad(benchmark::State& state) {
  genreg::configure_threads(0);
  for (auto _ : state) {
    auto data = genreg::load_dataset("fashion-mnist", genreg::DatasetOptions().split("train"));
    benchmark::DoNotOptimize(data.images.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 60000);
}
BENCHMARK(BM_DataFashionMnistLoad)->Unit(benchmark::kMillisecond);

void BM_DataMetricsAll(benchmark::State& state) {
  genreg::configure_threads(0);
  const int64_t count = state.range(0);
  auto truth = genreg::generate_shapes(genreg::ShapesOptions(), 1, 0, count);
  auto estimate = (truth + 0.1 * torch::randn_like(truth)).clamp(0, 1);
  for (auto _ : state) {
    auto metrics = genreg::compute_metrics(estimate, truth);
    benchmark::DoNotOptimize(metrics.data());
  }
  state.SetItemsProcessed(state.iterations() * count);
}
BENCHMARK(BM_DataMetricsAll)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
