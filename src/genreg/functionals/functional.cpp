#include "genreg/functionals/functional.h"

#include "genreg/core/error.h"

namespace genreg {

torch::Tensor per_sample(const torch::Tensor& values, const torch::Tensor& like) {
  auto v = values.to(like.device(), like.scalar_type());
  if (v.dim() == 0) return v;
  require(v.dim() == 1 && v.size(0) == like.size(0), "per-sample parameter of shape ", v.sizes(),
          " does not match a batch of ", like.size(0));
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = like.size(0);
  return v.view(shape);
}

torch::Tensor sum_per_sample(const torch::Tensor& t) { return t.flatten(1).sum(1); }

torch::Tensor Functional::gradient(const torch::Tensor& x) const {
  torch::AutoGradMode enable(true);
  auto leaf = x.detach().requires_grad_(true);
  auto v = value(leaf).sum();
  return torch::autograd::grad({v}, {leaf})[0].detach();
}

torch::Tensor Functional::prox(const torch::Tensor&, const torch::Tensor&) const {
  fail("functional ", name(), " has no proximal operator");
}

}  // namespace genreg
