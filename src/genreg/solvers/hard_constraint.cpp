// hard: min_z D(G(z)) + lambda R_z(z) (paper eq. 18, Algorithm 1 with the safeguard of
// ../shared/FINDINGS.md), or Adam on z, or projected gradient for the sphere prior.
#include "genreg/core/error.h"
#include "genreg/functionals/norms.h"
#include "genreg/solvers/batch_objective.h"
#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/latent_steps.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

using namespace latent;

LatentRun HardConstraint::solve(const LatentProblem& p) const {
  const auto& o = *p.options;
  const auto start = Clock::now();
  LatentRun run;
  const SmoothPart f = data_through_generator(p, {}, p.lambda);
  if (o.optimizer() == "adam") {
    auto z = p.z0.detach().clone().requires_grad_(true);
    torch::optim::Adam adam({z}, torch::optim::AdamOptions(o.adam_lr()));
    std::vector<double> history;
    for (int64_t k = 1; k <= o.iterations(); ++k) {
      adam.zero_grad();
      auto [value, grad] = f.value_and_gradient(z);
      z.mutable_grad() = grad;
      adam.step();
      if (p.prior.is_constraint()) {
        torch::NoGradGuard no_grad;
        z.copy_(p.prior.project(z));
      }
      history.push_back(value.mean().item<double>());
      if (p.callback && !p.callback(k, z.detach(), value.to(torch::kFloat64))) break;
    }
    run.z = z.detach();
    run.summary.history = history;
    run.summary.iterations = torch::full({z.size(0)}, static_cast<int64_t>(history.size()), torch::kLong);
    run.summary.status =
        torch::full({z.size(0)}, static_cast<int64_t>(SampleStatus::max_iterations), torch::kLong);
    run.summary.evaluations = static_cast<int64_t>(history.size());
  } else if (p.prior.is_constraint()) {
    // Projected gradient with backtracking (the projection is the prox of the constraint).
    auto z = p.prior.project(p.z0.detach());
    auto L = lipschitz_start(p, z.size(0));
    auto done = torch::zeros({z.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(z.device()));
    auto stalled = done.clone();
    std::vector<double> history;
    int64_t k = 0;
    torch::Tensor value;
    while (k < o.iterations() && !done.all().item<bool>()) {
      ++k;
      const auto before = done.clone();
      const auto L_old = L.clone();
      const auto s = backtracking_step(f, z, L, o.backtracking(), latent_projection(p.prior));
      done = done | settled(s, z, o.tolerance());
      stalled = stalled | s.stalled;
      z = keep_settled(before, z, s.x);
      L = keep_settled(before, L_old, L);
      value = value.defined() ? keep_settled(before, value, s.value) : s.value;
      history.push_back(value.mean().item<double>());
      if (p.callback && !p.callback(k, z, value)) break;
    }
    run.z = z;
    run.summary = alternating_summary(
        value.defined()
            ? value
            : f.value(z,
                      torch::arange(z.size(0), torch::TensorOptions().dtype(torch::kLong).device(z.device())))
                  .to(torch::kFloat64),
        k, done, stalled, history, 2 * k, start);
  } else {
    // Algorithm 1 on the sub-batch of samples still working: the objective of the samples `index`.
    struct HardObjective : BatchObjective {
      const LatentProblem* p;
      // Value and gradient of every row: the deferred evaluation below, differentiated at once.
      std::pair<torch::Tensor, torch::Tensor> value_and_gradient(const torch::Tensor& z,
                                                                 const torch::Tensor& index) const override {
        auto d = value_deferred(z, index);
        return {d.value, d.gradient(torch::arange(z.size(0), index.options()))};
      }
      torch::Tensor value(const torch::Tensor& z, const torch::Tensor& index) const override {
        return p->data->select(index).value(p->generator->decode(z)) +
               p->lambda.index_select(0, index) * p->prior.value(z);
      }
      // The trial's forward pass keeps its graph; the gradient of accepted rows is then one
      // backward pass of the surrogate <G(z), grad D(G(z))> + lambda R_z(z), as in
      // data_through_generator.
      bool defers_gradient() const override { return true; }
      DeferredValue value_deferred(const torch::Tensor& z, const torch::Tensor& index) const override {
        torch::AutoGradMode on(true);
        auto zl = z.detach().requires_grad_(true);
        auto gz = p->generator->decode(zl);
        auto data = std::make_shared<DataFidelity>(p->data->select(index));
        auto reg = p->lambda.index_select(0, index) * p->prior.value(zl);
        DeferredValue out;
        out.value = (data->value(gz.detach()) + reg.detach()).detach();
        out.gradient = [data, zl, gz, reg](const torch::Tensor& rows) {
          torch::AutoGradMode on(true);
          const auto mask = torch::zeros({zl.size(0)}, gz.options()).index_fill_(0, rows, 1.0);
          auto shape = std::vector<int64_t>(gz.dim(), 1);
          shape[0] = -1;
          const auto r = (data->gradient(gz.detach()) * mask.view(shape)).detach();
          const auto surrogate = (gz * r).sum() + (reg * mask.to(reg.scalar_type())).sum();
          return torch::autograd::grad({surrogate}, {zl})[0].index_select(0, rows).detach();
        };
        return out;
      }
    } batch_objective;
    batch_objective.p = &p;
    auto bt = o.backtracking();
    bt.max_iterations(o.iterations()).tolerance(o.tolerance());
    run.z = minimize_backtracking(batch_objective, p.z0, bt, &run.summary, p.callback);
  }
  run.gz = decode_no_grad(*p.generator, run.z);
  run.x = run.gz;
  run.objective = objective(p, run);
  run.summary.objective = run.objective.to(torch::kCPU);
  run.summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

torch::Tensor HardConstraint::objective(const LatentProblem& p, const LatentRun& run) const {
  torch::NoGradGuard no_grad;
  return (p.data->value(run.x) + p.lambda * p.prior.value(run.z)).to(torch::kFloat64);
}

GENREG_REGISTER_METHOD(hard,
                       generative_method_info(std::make_shared<HardConstraint>(),
                                              "min_z D(G(z)) + lambda R(z) (paper eq. 18, Algorithm 1)",
                                              {settings::lambda(), settings::restarts(), settings::prior(),
                                               settings::optimizer(), settings::adam_lr(),
                                               settings::iterations(), settings::tolerance()}));

}  // namespace genreg
