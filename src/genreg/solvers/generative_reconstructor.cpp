#include "genreg/solvers/generative_reconstructor.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

GenerativeReconstructor::GenerativeReconstructor(LatentMethodPtr method, GeneratorPtr generator,
                                                 GenerativeOptions options)
    : method_(std::move(method)), generator_(std::move(generator)), options_(options) {
  require(static_cast<bool>(method_), "no generative method given");
  require(static_cast<bool>(generator_), "no generator given");
  require(options_.restarts() >= 1, "restarts must be at least 1");
  require(options_.iterations() >= 1, "iterations must be at least 1");
  require(options_.inner_iterations() >= 1, "inner iterations must be at least 1");
  require(options_.tolerance() >= 0 && std::isfinite(options_.tolerance()),
          "tolerance must be finite and non-negative");
  require(options_.mu() >= 0 && std::isfinite(options_.mu()), "mu must be finite and non-negative");
  require(options_.optimizer() == "backtracking" || options_.optimizer() == "adam", "unknown optimizer '",
          options_.optimizer(), "' (use backtracking or adam)");
  require(options_.optimizer() == "backtracking" || method_->supports_adam(),
          "--optimizer adam does not apply to ", method_->name(), ", which runs the paper's algorithm");
  require(!method_->needs_encoder() || generator_->has_encoder(), "the ", method_->name(),
          " regulariser needs a model with an encoder (ae or vae)");
  LatentPrior::parse(options_.prior());
}

torch::Tensor GenerativeReconstructor::initial_latents(const DataFidelity& data, int64_t restarts) const {
  const int64_t b = data.y().size(0), d = generator_->latent_dim();
  // Restart r starts every image at the same z_r: a batch solves exactly as its images one by one.
  auto gen = at::detail::createCPUGenerator(options_.seed());
  auto draws = torch::randn({restarts, d}, gen, torch::TensorOptions().dtype(torch::kFloat32));
  auto z = draws.repeat({b, 1}).to(generator_->device());
  if (options_.encoder_start() && generator_->has_encoder()) {
    torch::NoGradGuard no_grad;
    const auto backprojection = data.op()->adjoint(data.y()).to(torch::kFloat32).clamp(0.0, 1.0);
    const auto encoded = generator_->encode(backprojection.to(generator_->device()));
    const auto first =
        torch::arange(b, torch::TensorOptions().dtype(torch::kLong).device(z.device())) * restarts;
    z.index_copy_(0, first, encoded);
  }
  return LatentPrior::parse(options_.prior()).project(z);
}

Reconstruction GenerativeReconstructor::reconstruct(const DataFidelity& data, const torch::Tensor& lambda,
                                                    SolverSummary* summary,
                                                    const IterationCallback& callback) const {
  const auto size = generator_->image_size();
  const auto domain = data.op()->domain_shape();
  const int64_t dh = domain.size() >= 2 ? domain[domain.size() - 2] : -1,
                dw = domain.empty() ? -1 : domain.back();
  require(dh == size[0] && dw == size[1], "the generator makes ", size[0], "x", size[1],
          " images but the operator ", data.op()->spec(), " acts on ", dh, "x", dw, " images");
  const int64_t b = data.y().size(0);
  require(lambda.numel() == b, "one lambda per image expected (", b, "), got ", lambda.numel());
  const int64_t r = starts_per_image();
  const auto device = generator_->device();
  const auto repeat = torch::arange(b, torch::TensorOptions().dtype(torch::kLong)).repeat_interleave(r);
  const DataFidelity expanded(
      data.op(), data.y().index_select(0, repeat.to(data.y().device())).to(device), data.sigma(),
      data.has_weights() ? data.weights().index_select(0, repeat.to(data.weights().device())).to(device)
                         : torch::Tensor());
  LatentProblem p;
  p.generator = generator_.get();
  p.data = &expanded;
  p.lambda = lambda.to(torch::kFloat64).to(torch::kCPU).index_select(0, repeat).to(device, torch::kFloat32);
  p.z0 = initial_latents(data, r);
  p.prior = LatentPrior::parse(options_.prior());
  p.options = &options_;
  p.callback = callback;

  const LatentRun run = method_->solve(p);

  Reconstruction out;
  torch::NoGradGuard no_grad;
  out.objective = run.objective.view({b, r}).to(torch::kCPU);
  out.discrepancy = expanded.discrepancy(run.x).to(torch::kFloat64).view({b, r}).to(torch::kCPU);
  // NaN objectives (a diverged restart) never win.
  out.chosen = torch::nan_to_num(out.objective, std::numeric_limits<double>::infinity()).argmin(1);
  const auto rows = (torch::arange(b, torch::kLong) * r + out.chosen).to(run.x.device());
  out.x = run.x.index_select(0, rows);
  out.restarts_x = run.x.view({b, r, run.x.size(1), run.x.size(2), run.x.size(3)});
  out.gz = run.gz.index_select(0, rows);
  if (run.u.defined()) out.u = run.u.index_select(0, rows);
  if (run.z.defined()) out.z = run.z.index_select(0, rows);
  if (summary) {
    SolverSummary s = run.summary;
    const auto cpu_rows = rows.to(torch::kCPU);
    s.objective = out.objective.gather(1, out.chosen.unsqueeze(1)).squeeze(1);
    if (s.iterations.defined()) s.iterations = s.iterations.index_select(0, cpu_rows);
    if (s.status.defined()) s.status = s.status.index_select(0, cpu_rows);
    *summary = std::move(s);
  }
  return out;
}

}  // namespace genreg

namespace genreg {

MethodInfo generative_method_info(LatentMethodPtr method, std::string summary,
                                  std::vector<SettingSpec> settings) {
  MethodInfo info;
  info.name = method->name();
  info.summary = std::move(summary);
  info.needs = ModelRole::generator;
  info.settings = std::move(settings);
  info.make = [method](const MethodSettings& s, const MethodPriors& priors) -> ReconstructorPtr {
    GenerativeOptions o;
    o.restarts(s.get<int64_t>("restarts", o.restarts()))
        .mu(s.get<double>("mu", o.mu()))
        .prior(s.get<std::string>("prior", o.prior()))
        .optimizer(s.get<std::string>("optimizer", o.optimizer()))
        .adam_lr(s.get<double>("adam_lr", o.adam_lr()))
        .inner_iterations(s.get<int64_t>("inner_iterations", o.inner_iterations()))
        .iterations(s.get<int64_t>("iterations", o.iterations()))
        .tolerance(s.get<double>("tolerance", o.tolerance()))
        .seed(s.seed());
    return std::make_shared<GenerativeReconstructor>(method, priors.generator, o);
  };
  return info;
}

}  // namespace genreg
