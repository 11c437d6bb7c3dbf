#include "genreg/training/sample_draws.h"

#include <ATen/CPUGeneratorImpl.h>

#include "genreg/core/error.h"

namespace genreg {
uint64_t mix_bits(uint64_t v) {
  v += 0x9e3779b97f4a7c15ULL;
  v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
  v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
  return v ^ (v >> 31);
}

SampleDraws::SampleDraws(uint64_t seed, int64_t epoch, const torch::Tensor& indices)
    : seed_(seed), epoch_(epoch), indices_(indices.to(torch::kCPU, torch::kLong).contiguous()) {
  require(indices_.dim() == 1, "sample indices must be a vector");
}

template <typename Draw>
torch::Tensor SampleDraws::per_sample(uint64_t stream, Draw&& draw) const {
  require(indices_.defined() && indices_.size(0) > 0, "no samples to draw for");
  const auto* idx = indices_.data_ptr<int64_t>();
  const uint64_t base =
      mix_bits(mix_bits(mix_bits(seed_) ^ static_cast<uint64_t>(epoch_)) ^ mix_bits(stream + 0x5eedULL));
  std::vector<torch::Tensor> rows;
  rows.reserve(static_cast<size_t>(indices_.size(0)));
  for (int64_t i = 0; i < indices_.size(0); ++i) {
    auto generator = at::detail::createCPUGenerator(mix_bits(base + static_cast<uint64_t>(idx[i])));
    rows.push_back(draw(generator));
  }
  return torch::stack(rows, 0);
}

torch::Tensor SampleDraws::normal(at::IntArrayRef shape, uint64_t stream, torch::Device device) const {
  const auto dims = shape.vec();
  return per_sample(stream, [&](at::Generator& g) { return torch::randn(dims, g, torch::kFloat32); })
      .to(device);
}

torch::Tensor SampleDraws::uniform(at::IntArrayRef shape, uint64_t stream, torch::Device device) const {
  const auto dims = shape.vec();
  return per_sample(stream, [&](at::Generator& g) { return torch::rand(dims, g, torch::kFloat32); })
      .to(device);
}

torch::Tensor SampleDraws::integers(int64_t low, int64_t high, uint64_t stream) const {
  require(high > low, "empty integer range [", low, ", ", high, ")");
  return per_sample(stream, [&](at::Generator& g) { return torch::randint(low, high, {1}, g, torch::kLong); })
      .view({-1});
}

}  // namespace genreg
