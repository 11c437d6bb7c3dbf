#include "genreg/solvers/batch_objective.h"

#include "genreg/core/error.h"

namespace genreg {

std::pair<torch::Tensor, torch::Tensor> BatchObjective::value_and_gradient(const torch::Tensor& x,
                                                                           const torch::Tensor& index) const {
  torch::AutoGradMode enable(true);
  auto leaf = x.detach().requires_grad_(true);
  auto v = value(leaf, index);
  auto g = torch::autograd::grad({v.sum()}, {leaf})[0];
  return {v.detach(), g.detach()};
}

DeferredValue BatchObjective::value_deferred(const torch::Tensor&, const torch::Tensor&) const {
  fail("this objective does not defer its gradient");
}

std::pair<torch::Tensor, torch::Tensor> FunctionObjective::value_and_gradient(
    const torch::Tensor& x, const torch::Tensor& index) const {
  if (!gradient_) return BatchObjective::value_and_gradient(x, index);
  torch::NoGradGuard no_grad;
  return {value_(x, index), gradient_(x, index)};
}

}  // namespace genreg
