#pragma once
// The random draws of a training step that belong to its samples (a VAE's reparameterisation noise,
// a GAN's latent vectors, a diffusion model's times and noise, a denoiser's noise level): each
// sample's draw follows from (seed, epoch, the sample's index in the dataset, a stream number)
// alone, never from a generator shared by the batch. So a sample's draw does not depend on the
// batch it lands in, on the batch size, or on how many ranks share the batch: a data-parallel run
// (distributed/gradient_averaging.h) computes the same gradients as one process, and a resumed run
// the same as an uninterrupted one.
//
// Each step that needs several independent draws per sample takes one stream number per draw.
#include <torch/torch.h>

#include <cstdint>

namespace genreg {

// SplitMix64's finaliser: neighbouring (seed, epoch, index, stream) tuples get unrelated seeds.
uint64_t mix_bits(uint64_t v);

class SampleDraws {
 public:
  SampleDraws() = default;
  // `indices`: the samples' indices in the dataset (B), int64; any device.
  SampleDraws(uint64_t seed, int64_t epoch, const torch::Tensor& indices);

  int64_t size() const { return indices_.defined() ? indices_.size(0) : 0; }
  // N(0, 1) draws of shape (B, *shape), float32 on `device`.
  torch::Tensor normal(at::IntArrayRef shape, uint64_t stream, torch::Device device) const;
  // U[0, 1) draws of shape (B, *shape), float32 on `device`.
  torch::Tensor uniform(at::IntArrayRef shape, uint64_t stream, torch::Device device) const;
  // Integers uniform in [low, high): (B), int64 on the CPU.
  torch::Tensor integers(int64_t low, int64_t high, uint64_t stream) const;

 private:
  template <typename Draw>
  torch::Tensor per_sample(uint64_t stream, Draw&& draw) const;
  uint64_t seed_ = 0;
  int64_t epoch_ = 0;
  torch::Tensor indices_;  // CPU, int64
};

}  // namespace genreg
