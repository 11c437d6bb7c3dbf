// sparse: min_{z,u} D(G(z) + u) + lambda (||u||_1 + mu R_z(z)) (paper eq. 20, Algorithm 3, PALM);
// sparse-tv: TV(u) in place of ||u||_1 (section 5.3).
#include "genreg/core/error.h"
#include "genreg/functionals/norms.h"
#include "genreg/solvers/batch_objective.h"
#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/latent_steps.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

using namespace latent;

LatentRun SparseDeviation::solve(const LatentProblem& p) const {
  const bool tv = tv_;
  const auto& o = *p.options;
  require(o.optimizer() == "backtracking", "sparse runs the paper's Algorithm 3 (--optimizer backtracking)");
  const auto start = Clock::now();
  auto z = p.prior.project(p.z0.detach());
  auto gz = decode_no_grad(*p.generator, z);
  auto u = torch::zeros_like(gz);
  auto Lz = lipschitz_start(p, z.size(0)), Lu = Lz.clone();
  auto done = torch::zeros({z.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(z.device()));
  auto stalled = done.clone();
  const TotalVariation tv_norm(
      gz.size(2), gz.size(3),
      TotalVariationOptions().prox_iterations(o.inner_iterations()).prox_tolerance(1e-5));
  const L1Norm l1;
  std::vector<double> history;
  torch::Tensor current;
  int64_t k = 0;
  while (k < o.iterations() && !done.all().item<bool>()) {
    ++k;
    // One iteration on the samples not yet settled; settled ones keep their values.
    const ActiveRows a(p, done);
    const LatentProblem& q = a.problem;
    const auto za = a.of(z), ua = a.of(u);
    auto Lza = a.of(Lz), Lua = a.of(Lu);
    // z-step on the smooth part D(G(z) + u) + lambda mu R_z(z).
    const auto sz = backtracking_step(data_through_generator(q, ua, q.lambda * o.mu()), za, Lza,
                                      o.backtracking(), latent_projection(p.prior));
    const auto gza = decode_no_grad(*p.generator, sz.x);
    // u-step: proximal gradient on D(G(z) + u) with the prox of lambda ||u||_1 (or lambda TV(u)):
    // soft thresholding, or TV's dual FGP iteration.
    SmoothPart fu;
    fu.value = [&](const torch::Tensor& v, const torch::Tensor& index) {
      const auto x = rows(gza, index) + v;
      return index.numel() == gza.size(0) ? q.data->value(x) : q.data->select(index).value(x);
    };
    fu.value_and_gradient = [&](const torch::Tensor& v) {
      return std::make_pair(q.data->value(gza + v), q.data->gradient(gza + v));
    };
    const ProxStep prox = [&](const torch::Tensor& v, const torch::Tensor& tau, const torch::Tensor& index) {
      const auto scaled = tau * rows(q.lambda, index).to(tau.scalar_type());
      return tv ? tv_norm.prox(v, scaled) : l1.prox(v, scaled);
    };
    const auto su = backtracking_step(fu, ua, Lua, o.backtracking(), prox);
    LatentRun before;
    before.x = gza + ua;
    before.gz = gza;
    before.u = ua;
    before.z = sz.x;
    LatentRun partial = before;
    partial.x = gza + su.x;
    partial.u = su.x;
    const auto old_objective = objective(q, before);
    const auto new_objective = objective(q, partial);
    // The TV prox is an inner iteration, so inexact: keep u where its step did not lower the whole
    // objective, which keeps the descent monotone (exact for the 1-norm, where this never fires).
    const auto worse = new_objective > old_objective;
    done = a.put(done, settled(sz, sz.x, o.tolerance()) & settled(su, ua, o.tolerance()));
    stalled = a.put(stalled, a.of(stalled) | (sz.stalled & su.stalled));
    u = a.put(u, torch::where(worse.view({-1, 1, 1, 1}), ua, su.x));
    z = a.put(z, sz.x);
    gz = a.put(gz, gza);
    Lz = a.put(Lz, Lza);
    Lu = a.put(Lu, Lua);
    // The first iteration runs every sample, so `fresh` then covers the whole batch.
    const auto fresh = torch::where(worse, old_objective, new_objective);
    current = current.defined() ? a.put(current, fresh) : fresh;
    history.push_back(current.mean().item<double>());
    if (p.callback && !p.callback(k, gz + u, current)) break;
  }
  LatentRun run;
  run.gz = gz;
  run.u = u;
  run.x = gz + u;
  run.z = z;
  run.objective = objective(p, run);
  run.summary = alternating_summary(run.objective, k, done, stalled, history, 4 * k, start);
  return run;
}

torch::Tensor SparseDeviation::objective(const LatentProblem& p, const LatentRun& run) const {
  torch::NoGradGuard no_grad;
  const auto deviation =
      tv_ ? TotalVariation(run.u.size(2), run.u.size(3)).value(run.u) : run.u.abs().flatten(1).sum(1);
  return (p.data->value(run.x) + p.lambda * (deviation + p.options->mu() * p.prior.value(run.z)))
      .to(torch::kFloat64);
}

GENREG_REGISTER_METHOD(
    sparse,
    generative_method_info(std::make_shared<SparseDeviation>(false),
                           "x = G(z) + u, min D(x) + lambda (||u||_1 + mu R(z)) (paper eq. 20, Algorithm 3)",
                           {settings::lambda(), settings::mu(), settings::restarts(), settings::prior(),
                            settings::iterations(), settings::tolerance()}));
GENREG_REGISTER_METHOD(
    sparse_tv,
    generative_method_info(std::make_shared<SparseDeviation>(true),
                           "x = G(z) + u, min D(x) + lambda (TV(u) + mu R(z)) (paper section 5.3)",
                           {settings::lambda(), settings::mu(), settings::restarts(), settings::prior(),
                            settings::iterations(), settings::tolerance(), settings::inner_iterations()}));

}  // namespace genreg
