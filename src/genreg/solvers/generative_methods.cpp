#include "genreg/solvers/generative_methods.h"

#include <chrono>
#include <optional>

#include "genreg/core/error.h"
#include "genreg/functionals/norms.h"
#include "genreg/solvers/backtracking_step.h"

namespace genreg {
namespace {

using Clock = std::chrono::steady_clock;

torch::Tensor squared_norm(const torch::Tensor& t) { return sum_per_sample(t.square()); }

torch::Tensor decode_no_grad(Generator& g, const torch::Tensor& z) {
  torch::NoGradGuard no_grad;
  return g.decode(z);
}

// The projection onto the latent constraint as a prox step (the sphere prior); empty otherwise.
ProxStep latent_projection(const LatentPrior& prior) {
  if (!prior.is_constraint()) return {};
  return [prior](const torch::Tensor& v, const torch::Tensor&, const torch::Tensor&) {
    return prior.project(v);
  };
}

// Samples whose last steps moved less than tolerance * max(||v||, 1), or could not move at all.
torch::Tensor settled(const BacktrackingStep& s, const torch::Tensor& v, double tolerance) {
  return (s.change <= tolerance * v.flatten(1).norm(2, 1).clamp_min(1.0)) | s.stalled;
}

// Samples that had settled before an iteration keep their values: each sample stops on its own,
// so a batch solves exactly as its samples one by one.
torch::Tensor keep_settled(const torch::Tensor& settled_before, const torch::Tensor& old_value,
                           const torch::Tensor& new_value) {
  auto shape = std::vector<int64_t>(new_value.dim(), 1);
  shape[0] = -1;
  return torch::where(settled_before.view(shape), old_value, new_value);
}

// The samples of a batch still iterating, and the problem restricted to them: the alternating
// methods work on these rows alone, so that settled samples cost nothing (as in Algorithm 1's
// minimize_backtracking). Not copyable: `problem.data` points into the object itself.
class ActiveRows {
 public:
  ActiveRows(const LatentProblem& p, const torch::Tensor& done)
      : index((~done).nonzero().flatten()), all(index.numel() == done.numel()), problem(p) {
    if (!all) {
      data_.emplace(p.data->select(index));
      problem.data = &*data_;
      problem.lambda = p.lambda.index_select(0, index);
    }
  }
  ActiveRows(const ActiveRows&) = delete;
  ActiveRows& operator=(const ActiveRows&) = delete;

  // Rows of a full-batch tensor (the tensor itself when every row is active).
  torch::Tensor of(const torch::Tensor& full) const { return all ? full : full.index_select(0, index); }
  // The full-batch tensor with the active rows replaced by `part`.
  torch::Tensor put(const torch::Tensor& full, const torch::Tensor& part) const {
    return all ? part : full.index_copy(0, index, part);
  }

  const torch::Tensor index;
  const bool all;
  LatentProblem problem;

 private:
  std::optional<DataFidelity> data_;
};

// Summary of a fixed-iteration alternating method.
SolverSummary alternating_summary(const torch::Tensor& objective, int64_t iterations,
                                  const torch::Tensor& done, const torch::Tensor& stalled,
                                  std::vector<double> history, int64_t evaluations, Clock::time_point start) {
  SolverSummary s;
  s.objective = objective.to(torch::kCPU);
  s.iterations = torch::full({objective.size(0)}, iterations, torch::kLong);
  s.status = torch::where(done.to(torch::kCPU), static_cast<int64_t>(SampleStatus::converged),
                          static_cast<int64_t>(SampleStatus::max_iterations))
                 .to(torch::kLong);
  s.status.masked_fill_(stalled.to(torch::kCPU) & ~done.to(torch::kCPU),
                        static_cast<int64_t>(SampleStatus::stalled));
  s.history = std::move(history);
  s.evaluations = evaluations;
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return s;
}

// f(z) = D(G(z) + offset) + weight R_z(z) for a batch, with its gradient through the generator
// (the data term's gradient A^T (A x - y) / sigma^2 pulled back by the generator's Jacobian).
SmoothPart data_through_generator(const LatentProblem& p, const torch::Tensor& offset,
                                  const torch::Tensor& weight) {
  Generator* g = p.generator;
  const DataFidelity* data = p.data;
  const LatentPrior prior = p.prior;
  SmoothPart f;
  f.value = [=](const torch::Tensor& z, const torch::Tensor& index) {
    torch::NoGradGuard no_grad;
    auto x = g->decode(z);
    if (offset.defined()) x = x + rows(offset, index);
    const auto d = index.numel() == data->y().size(0) ? data->value(x) : data->select(index).value(x);
    return d + rows(weight, index) * prior.value(z);
  };
  f.value_and_gradient = [=](const torch::Tensor& z) {
    torch::AutoGradMode on(true);
    auto zl = z.detach().requires_grad_(true);
    const auto gz = g->decode(zl);
    const auto x = offset.defined() ? (gz.detach() + offset) : gz.detach();
    const auto r = data->gradient(x).detach();
    const auto reg = weight * prior.value(zl);
    const auto surrogate = (gz * r).sum() + reg.sum();
    auto grad = torch::autograd::grad({surrogate}, {zl})[0];
    return std::make_pair((data->value(x) + reg).detach(), grad.detach());
  };
  return f;
}

// f(z) = weight (||G(z) - target||^2 + mu_weight R_z(z)): fitting the generator to an image.
SmoothPart fit_generator(const LatentProblem& p, const torch::Tensor& target, const torch::Tensor& weight,
                         const torch::Tensor& prior_weight) {
  Generator* g = p.generator;
  const LatentPrior prior = p.prior;
  SmoothPart f;
  f.value = [=](const torch::Tensor& z, const torch::Tensor& index) {
    torch::NoGradGuard no_grad;
    return rows(weight, index) *
           (squared_norm(g->decode(z) - rows(target, index)) + rows(prior_weight, index) * prior.value(z));
  };
  f.value_and_gradient = [=](const torch::Tensor& z) {
    torch::AutoGradMode on(true);
    auto zl = z.detach().requires_grad_(true);
    const auto v = weight * (squared_norm(g->decode(zl) - target) + prior_weight * prior.value(zl));
    auto grad = torch::autograd::grad({v.sum()}, {zl})[0];
    return std::make_pair(v.detach(), grad.detach());
  };
  return f;
}

torch::Tensor lipschitz_start(const LatentProblem& p, int64_t batch) {
  return torch::full({batch}, p.options->backtracking().initial_lipschitz(),
                     torch::TensorOptions().dtype(torch::kFloat64).device(p.z0.device()));
}

}  // namespace

LatentRun solve_hard(const LatentProblem& p) {
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
    } objective;
    objective.p = &p;
    auto bt = o.backtracking();
    bt.max_iterations(o.iterations()).tolerance(o.tolerance());
    run.z = minimize_backtracking(objective, p.z0, bt, &run.summary, p.callback);
  }
  run.gz = decode_no_grad(*p.generator, run.z);
  run.x = run.gz;
  run.objective = generative_objective("hard", p, run);
  run.summary.objective = run.objective.to(torch::kCPU);
  run.summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

LatentRun solve_relaxed(const LatentProblem& p) {
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
  torch::Tensor objective;
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
    objective = objective.defined() ? a.put(objective, fresh) : fresh;
    history.push_back(objective.mean().item<double>());
    if (p.callback && !p.callback(k, x, objective)) break;
  }
  LatentRun run;
  run.x = x;
  run.gz = gz;
  run.z = z;
  run.objective = generative_objective("relaxed", p, run);
  run.summary = alternating_summary(run.objective, k, done, stalled, history, 4 * k, start);
  return run;
}

LatentRun solve_sparse(const LatentProblem& p, bool tv) {
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
  const auto method = tv ? "sparse-tv" : "sparse";
  std::vector<double> history;
  torch::Tensor objective;
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
    const auto old_objective = generative_objective(method, q, before);
    const auto new_objective = generative_objective(method, q, partial);
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
    objective = objective.defined() ? a.put(objective, fresh) : fresh;
    history.push_back(objective.mean().item<double>());
    if (p.callback && !p.callback(k, gz + u, objective)) break;
  }
  LatentRun run;
  run.gz = gz;
  run.u = u;
  run.x = gz + u;
  run.z = z;
  run.objective = generative_objective(method, p, run);
  run.summary = alternating_summary(run.objective, k, done, stalled, history, 4 * k, start);
  return run;
}

LatentRun solve_projected_gradient(const LatentProblem& p) {
  const auto& o = *p.options;
  const auto start = Clock::now();
  // Gradient step 1/L on D, L = ||A||^2 / sigma^2.
  const double a_norm = p.data->op()->norm();
  const double eta = p.data->sigma() * p.data->sigma() / (a_norm * a_norm);
  auto z = p.prior.project(p.z0.detach());
  auto x = decode_no_grad(*p.generator, z);
  auto Lz = lipschitz_start(p, z.size(0));
  auto done = torch::zeros({z.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(z.device()));
  auto stalled = done.clone();
  const auto ones = torch::ones_like(p.lambda), zeros = torch::zeros_like(p.lambda);
  std::vector<double> history;
  torch::Tensor objective;
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
    objective = p.data->value(x).to(torch::kFloat64);
    history.push_back(objective.mean().item<double>());
    if (p.callback && !p.callback(k, x, objective)) break;
  }
  LatentRun run;
  run.x = x;
  run.gz = x;
  run.z = z;
  run.objective = generative_objective("pgd", p, run);
  run.summary =
      alternating_summary(run.objective, k, done, stalled, history, k * (1 + o.inner_iterations()), start);
  return run;
}

LatentRun solve_encoder_regulariser(const LatentProblem& p) {
  const auto& o = *p.options;
  require(p.generator->has_encoder(), "the encoder regulariser needs a model with an encoder (ae or vae)");
  const auto start = Clock::now();
  torch::Tensor x0;
  {
    torch::NoGradGuard no_grad;
    const auto backprojection = p.data->op()->adjoint(p.data->y()).to(p.z0.scalar_type()).clamp(0.0, 1.0);
    x0 = p.generator->decode(p.generator->encode(backprojection));
  }
  FunctionObjective f([&](const torch::Tensor& x, const torch::Tensor& index) {
    const auto data = p.data->select(index);
    const auto lambda = p.lambda.index_select(0, index);
    return data.value(x) + lambda * squared_norm(x - p.generator->decode(p.generator->encode(x)));
  });
  auto bt = o.backtracking();
  bt.max_iterations(o.iterations()).tolerance(o.tolerance());
  LatentRun run;
  run.x = minimize_backtracking(f, x0, bt, &run.summary, p.callback);
  {
    torch::NoGradGuard no_grad;
    run.z = p.generator->encode(run.x);
    run.gz = p.generator->decode(run.z);
  }
  run.objective = generative_objective("encoder", p, run);
  run.summary.objective = run.objective.to(torch::kCPU);
  run.summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

torch::Tensor generative_objective(const std::string& method, const LatentProblem& p, const LatentRun& run) {
  torch::NoGradGuard no_grad;
  const auto& o = *p.options;
  torch::Tensor value;
  if (method == "hard") {
    value = p.data->value(run.x) + p.lambda * p.prior.value(run.z);
  } else if (method == "relaxed") {
    value = p.data->value(run.x) + p.lambda * (squared_norm(run.gz - run.x) + o.mu() * p.prior.value(run.z));
  } else if (method == "sparse" || method == "sparse-tv") {
    const auto deviation = method == "sparse" ? run.u.abs().flatten(1).sum(1)
                                              : TotalVariation(run.u.size(2), run.u.size(3)).value(run.u);
    value = p.data->value(run.x) + p.lambda * (deviation + o.mu() * p.prior.value(run.z));
  } else if (method == "pgd") {
    value = p.data->value(run.x);
  } else if (method == "encoder") {
    value = p.data->value(run.x) +
            p.lambda * squared_norm(run.x - p.generator->decode(p.generator->encode(run.x)));
  } else {
    fail("unknown generative method '", method, "'");
  }
  return value.to(torch::kFloat64);
}

}  // namespace genreg
