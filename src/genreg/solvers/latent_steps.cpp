#include "genreg/solvers/latent_steps.h"

#include "genreg/functionals/functional.h"

namespace genreg::latent {

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

ActiveRows::ActiveRows(const LatentProblem& p, const torch::Tensor& done)
    : index((~done).nonzero().flatten()), all(index.numel() == done.numel()), problem(p) {
  if (!all) {
    data_.emplace(p.data->select(index));
    problem.data = &*data_;
    problem.lambda = p.lambda.index_select(0, index);
  }
}

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

}  // namespace genreg::latent
