#include "genreg/training/losses.h"

namespace genreg {

torch::Tensor gaussian_kl(const torch::Tensor& mu, const torch::Tensor& logvar) {
  return 0.5 * (logvar.exp() + mu.square() - 1.0 - logvar).sum(1);
}

namespace {
// Per-sample input gradient of sum_b D(x_b), kept in the graph for the weights' update.
torch::Tensor input_gradient(const CriticFunction& critic, torch::Tensor x) {
  x = x.detach().requires_grad_(true);
  const auto scores = critic(x);
  return torch::autograd::grad({scores.sum()}, {x}, /*grad_outputs=*/{}, /*retain_graph=*/true,
                               /*create_graph=*/true)[0]
      .flatten(1);
}
}  // namespace

torch::Tensor gradient_penalty(const CriticFunction& critic, const torch::Tensor& real,
                               const torch::Tensor& fake, const torch::Tensor& alpha) {
  const auto x_hat = alpha * real.detach() + (1.0 - alpha) * fake.detach();
  const auto g = input_gradient(critic, x_hat);
  // The 1e-12 keeps the norm's derivative finite where a gradient vanishes.
  return ((g.square().sum(1) + 1e-12).sqrt() - 1.0).square().mean();
}

torch::Tensor r1_penalty(const CriticFunction& critic, const torch::Tensor& real) {
  return input_gradient(critic, real).square().sum(1).mean();
}

}  // namespace genreg
