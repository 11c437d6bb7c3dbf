// relaxed: min_{x,z} D(x) + lambda (||G(z) - x||^2 + mu R_z(z)) (paper eq. 19, Algorithm 2).
#include "genreg/core/error.h"
#include "genreg/functionals/norms.h"
#include "genreg/solvers/batch_objective.h"
#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/latent_steps.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

using namespace latent;

LatentRun RelaxedConstraint::solve(const LatentProblem& p) const {
  const auto& o = *p.options;
  require(o.optimizer() == "backtracking", "relaxed runs the paper's Algorithm 2 (--optimizer backtracking)");
  const auto start = Clock::now();
  const auto mu = o.mu();
  auto z = p.prior.project(p.z0.detach());
  auto gz = decode_no_grad(*p.generator, z);
  auto x = gz.clone();
  auto Lz = lipschitz_start(p, z.size(0)), Lx = Lz.clone();
  auto done = torch::zeros({z.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(z.device()));
  auto stalled = done.clone();
  std::vector<double> history;
  torch::Tensor current;
  int64_t k = 0;
  while (k < o.iterations() && !done.all().item<bool>()) {
    ++k;
    // One iteration on the samples not yet settled; settled ones keep their values.
    const ActiveRows a(p, done);
    const LatentProblem& q = a.problem;
    const auto za = a.of(z), xa = a.of(x);
    auto Lza = a.of(Lz), Lxa = a.of(Lx);
    // z-step: min_z lambda (||G(z) - x||^2 + mu R_z(z)).
    const auto sz = backtracking_step(fit_generator(q, xa, q.lambda, torch::full_like(q.lambda, mu)), za, Lza,
                                      o.backtracking(), latent_projection(p.prior));
    const auto gza = decode_no_grad(*p.generator, sz.x);
    // x-step: min_x D(x) + lambda ||G(z) - x||^2 (gradient A^T(Ax - y)/sigma^2 + 2 lambda (x - G(z))).
    const auto lam = per_sample(q.lambda, xa);
    SmoothPart fx;
    fx.value = [&](const torch::Tensor& v, const torch::Tensor& index) {
      const auto d = index.numel() == xa.size(0) ? q.data->value(v) : q.data->select(index).value(v);
      return d + rows(q.lambda, index) * squared_norm(v - rows(gza, index));
    };
    fx.value_and_gradient = [&](const torch::Tensor& v) {
      return std::make_pair(q.data->value(v) + q.lambda * squared_norm(v - gza),
                            q.data->gradient(v) + 2.0 * lam * (v - gza));
    };
    const auto sx = backtracking_step(fx, xa, Lxa, o.backtracking());
    const auto fresh = sx.value + (q.lambda * mu * p.prior.value(sz.x)).to(torch::kFloat64);
    done = a.put(done, settled(sz, sz.x, o.tolerance()) & settled(sx, xa, o.tolerance()));
    stalled = a.put(stalled, a.of(stalled) | (sz.stalled & sx.stalled));
    x = a.put(x, sx.x);
    z = a.put(z, sz.x);
    gz = a.put(gz, gza);
    Lz = a.put(Lz, Lza);
    Lx = a.put(Lx, Lxa);
    // The first iteration runs every sample, so `fresh` then covers the whole batch.
    current = current.defined() ? a.put(current, fresh) : fresh;
    history.push_back(current.mean().item<double>());
    if (p.callback && !p.callback(k, x, current)) break;
  }
  LatentRun run;
  run.x = x;
  run.gz = gz;
  run.z = z;
  run.objective = objective(p, run);
  run.summary = alternating_summary(run.objective, k, done, stalled, history, 4 * k, start);
  return run;
}

torch::Tensor RelaxedConstraint::objective(const LatentProblem& p, const LatentRun& run) const {
  torch::NoGradGuard no_grad;
  return (p.data->value(run.x) +
          p.lambda * (squared_norm(run.gz - run.x) + p.options->mu() * p.prior.value(run.z)))
      .to(torch::kFloat64);
}

GENREG_REGISTER_METHOD(
    relaxed,
    generative_method_info(std::make_shared<RelaxedConstraint>(),
                           "min D(x) + lambda (||G(z) - x||^2 + mu R(z)) (paper eq. 19, Algorithm 2)",
                           {settings::lambda(), settings::mu(), settings::restarts(), settings::prior(),
                            settings::iterations(), settings::tolerance()}));

}  // namespace genreg
