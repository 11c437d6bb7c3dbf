#include "genreg/solvers/latent_prior.h"

#include <cmath>

#include "genreg/core/error.h"

namespace genreg {

LatentPrior LatentPrior::parse(const std::string& name) {
  if (name == "l2") return LatentPrior(Kind::l2);
  if (name == "sphere") return LatentPrior(Kind::sphere);
  if (name == "none") return LatentPrior(Kind::none);
  fail("unknown latent prior '", name, "' (use l2, sphere or none)");
}

std::string LatentPrior::name() const {
  switch (kind_) {
    case Kind::l2:
      return "l2";
    case Kind::sphere:
      return "sphere";
    case Kind::none:
      return "none";
  }
  return "?";
}

torch::Tensor LatentPrior::value(const torch::Tensor& z) const {
  if (kind_ == Kind::l2) return z.square().sum(1);
  return torch::zeros({z.size(0)}, z.options());
}

torch::Tensor LatentPrior::project(const torch::Tensor& z) const {
  if (kind_ != Kind::sphere) return z;
  const double radius = std::sqrt(static_cast<double>(z.size(1)));
  return z * (radius / z.norm(2, 1, true).clamp_min(1e-12));
}

}  // namespace genreg
