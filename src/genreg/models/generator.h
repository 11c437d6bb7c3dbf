#pragma once
// A generator G: R^d -> images, the learned half of every generative regulariser (paper section 3).
// Later methods (hard constraint, relaxed, sparse deviation, projected gradient) see only this
// interface, so any model that maps a batch of latent vectors to images can regularise: the
// models trained by genreg, and later TorchScript generators written in Python.
//
// Contract: decode is deterministic (no dropout, no batch statistics), differentiable in z, and
// acts on each sample alone (G applied to a batch equals G applied to each z separately), so that
// a batched latent optimisation is exactly many independent ones.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "genreg/core/error.h"

namespace genreg {

class Generator {
 public:
  virtual ~Generator() = default;
  // z: (B, latent_dim) -> images (B, 1, H, W).
  virtual torch::Tensor decode(const torch::Tensor& z) = 0;
  virtual int64_t latent_dim() const = 0;
  // {H, W}
  virtual std::vector<int64_t> image_size() const = 0;
  virtual torch::Device device() const = 0;
  // True where the model has an encoder E with G(E(x)) ~ x (autoencoders, VAEs).
  virtual bool has_encoder() const { return false; }
  // The encoder's mean for images (B, 1, H, W) -> (B, latent_dim).
  virtual torch::Tensor encode(const torch::Tensor& /*x*/) { fail("this generator has no encoder"); }
  // z ~ N(0, I) from the global generator, drawn on the CPU so that a seed gives the same latent
  // vectors on every device: (n, latent_dim) on device().
  virtual torch::Tensor sample_latent(int64_t n) {
    return torch::randn({n, latent_dim()}, torch::kFloat32).to(device());
  }
  // Images G(z) for z drawn from the latent prior.
  torch::Tensor sample(int64_t n) { return decode(sample_latent(n)); }
};

using GeneratorPtr = std::shared_ptr<Generator>;

// Throws genreg::Error unless the generator makes images of size height x width; `what` names the
// data ("measurements of mnist").
void check_generator_size(const Generator& generator, int64_t height, int64_t width, const std::string& what);

// G(z) for many latent vectors, without gradients, `chunk` at a time (bounded memory), returned on
// the CPU; z may live on any device.
torch::Tensor decode_in_chunks(Generator& generator, const torch::Tensor& z, int64_t chunk = 512);

}  // namespace genreg
