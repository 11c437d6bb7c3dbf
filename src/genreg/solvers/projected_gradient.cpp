// pgd: x <- P_G(x - sigma^2/||A||^2 grad D(x)), P_G(w) = G(argmin_z ||G(z) - w||^2) (Shah & Hegde,
// paper eq. 14). It has no regularisation parameter.
#include "genreg/core/error.h"
#include "genreg/functionals/norms.h"
#include "genreg/solvers/batch_objective.h"
#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/latent_steps.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

using namespace latent;

LatentRun ProjectedGradient::solve(const LatentProblem& p) const {
  const auto& o = *p.options;
  const auto start = Clock::now();
  // Gradient step 1/L on D, L = ||A||^2 / sigma^2.
  const double a_norm = p.data->operator_norm();
  const double eta = p.data->sigma() * p.data->sigma() / (a_norm * a_norm);
  auto z = p.prior.project(p.z0.detach());
  auto x = decode_no_grad(*p.generator, z);
  auto Lz = lipschitz_start(p, z.size(0));
  auto done = torch::zeros({z.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(z.device()));
  auto stalled = done.clone();
  const auto ones = torch::ones_like(p.lambda), zeros = torch::zeros_like(p.lambda);
  std::vector<double> history;
  torch::Tensor current;
  int64_t k = 0;
  while (k < o.iterations() && !done.all().item<bool>()) {
    ++k;
    torch::Tensor w;
    const auto z_old = z;
    {
      torch::NoGradGuard no_grad;
      w = x - eta * p.data->gradient(x);
    }
    // Projection onto the range: argmin_z ||G(z) - w||^2 from the previous z (warm start).
    const auto f = fit_generator(p, w, ones, zeros);
    if (o.optimizer() == "adam") {
      auto zz = z.clone().requires_grad_(true);
      torch::optim::Adam adam({zz}, torch::optim::AdamOptions(o.adam_lr()));
      for (int64_t j = 0; j < o.inner_iterations(); ++j) {
        adam.zero_grad();
        zz.mutable_grad() = f.value_and_gradient(zz).second;
        adam.step();
        torch::NoGradGuard no_grad;
        zz.copy_(p.prior.project(zz));
      }
      z = zz.detach();
    } else {
      for (int64_t j = 0; j < o.inner_iterations(); ++j) {
        const auto s = backtracking_step(f, z, Lz, o.backtracking(), latent_projection(p.prior));
        z = s.x;
        if (j + 1 == o.inner_iterations()) stalled = stalled | s.stalled;
      }
    }
    const auto x_new = decode_no_grad(*p.generator, z);
    const auto change = (x_new - x).flatten(1).norm(2, 1);
    const auto settled_before = done.clone();
    done = done | (change <= o.tolerance() * x.flatten(1).norm(2, 1).clamp_min(1.0));
    x = keep_settled(settled_before, x, x_new);
    z = keep_settled(settled_before, z_old, z);
    current = p.data->value(x).to(torch::kFloat64);
    history.push_back(current.mean().item<double>());
    if (p.callback && !p.callback(k, x, current)) break;
  }
  LatentRun run;
  run.x = x;
  run.gz = x;
  run.z = z;
  run.objective = objective(p, run);
  run.summary =
      alternating_summary(run.objective, k, done, stalled, history, k * (1 + o.inner_iterations()), start);
  return run;
}

torch::Tensor ProjectedGradient::objective(const LatentProblem& p, const LatentRun& run) const {
  torch::NoGradGuard no_grad;
  return p.data->value(run.x).to(torch::kFloat64);
}

GENREG_REGISTER_METHOD(
    pgd, generative_method_info(std::make_shared<ProjectedGradient>(),
                                "x <- P_G(x - step grad D(x)) (Shah & Hegde, paper eq. 14); no lambda",
                                {settings::restarts(), settings::prior(), settings::optimizer(),
                                 settings::adam_lr(), settings::iterations(), settings::tolerance(),
                                 settings::inner_iterations()}));

}  // namespace genreg
