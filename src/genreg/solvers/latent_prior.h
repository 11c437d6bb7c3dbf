#pragma once
// Priors R_z on the latent vector of a generative regulariser (paper section 3): the Gaussian's
// negative log-density ||z||^2 ("l2", default), the sphere of radius sqrt(dim z) where N(0, I)
// concentrates in high dimension ("sphere", a constraint imposed by projection), or nothing.
#include <torch/torch.h>

#include <string>

namespace genreg {

class LatentPrior {
 public:
  enum class Kind { l2, sphere, none };
  explicit LatentPrior(Kind kind = Kind::l2) : kind_(kind) {}
  // "l2", "sphere" or "none"; throws genreg::Error otherwise.
  static LatentPrior parse(const std::string& name);
  std::string name() const;
  Kind kind() const { return kind_; }

  // R_z(z) per sample, (B, d) -> (B,): ||z||^2, or 0 for the sphere (a constraint) and none.
  torch::Tensor value(const torch::Tensor& z) const;
  // True where the prior is a constraint applied by projection after each step.
  bool is_constraint() const { return kind_ == Kind::sphere; }
  // Projection onto the sphere ||z|| = sqrt(d); the identity for the other priors.
  torch::Tensor project(const torch::Tensor& z) const;

 private:
  Kind kind_;
};

}  // namespace genreg
