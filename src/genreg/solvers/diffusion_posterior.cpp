#include "genreg/solvers/diffusion_posterior.h"

#include <chrono>
#include <cmath>

#include "genreg/core/error.h"
#include "genreg/core/runtime.h"
#include "genreg/models/diffusion_sampling.h"
#include "genreg/models/model.h"

namespace genreg {

DiffusionPosteriorSampler::DiffusionPosteriorSampler(NoisePredictorPtr model,
                                                     DiffusionPosteriorOptions options)
    : model_(std::move(model)), options_(options) {
  require(static_cast<bool>(model_), "a diffusion posterior sampler needs a noise predictor");
  require(options_.steps() >= 1 && options_.steps() <= model_->steps(), "sampling steps must be in 1..",
          model_->steps(), " (the model's T), got ", options_.steps());
  require(options_.samples() >= 1 && options_.samples() <= 10000,
          "samples per image must be in 1..10000, got ", options_.samples());
  require(options_.batch() >= 0, "the sampling batch must not be negative");
  require(std::isfinite(options_.zeta()) && options_.zeta() >= 0 && options_.zeta() <= 1,
          "zeta must be in [0, 1], got ", options_.zeta());
}

torch::Device DiffusionPosteriorSampler::device() const {
  if (const auto* model = dynamic_cast<const Model*>(model_.get())) return model->device();
  return torch::kCPU;
}

torch::Tensor DiffusionPosteriorSampler::initial_noise(const DataFidelity& data,
                                                       at::Generator& generator) const {
  const auto shape = data.op()->domain_shape();
  std::vector<int64_t> sizes{data.y().size(0)};
  sizes.insert(sizes.end(), shape.begin(), shape.end());
  return diffusion_noise(sizes, generator, device());
}

torch::Tensor DiffusionPosteriorSampler::solve(const DataFidelity& data, const torch::Tensor& lambda,
                                               SolverSummary* summary,
                                               const IterationCallback& callback) const {
  return reconstruct(data, lambda, summary, callback).x;
}

Reconstruction DiffusionPosteriorSampler::reconstruct(const DataFidelity& data, const torch::Tensor& lambda,
                                                      SolverSummary* summary,
                                                      const IterationCallback& callback) const {
  const auto start = std::chrono::steady_clock::now();
  const int64_t b = data.y().size(0), k = options_.samples();
  require(lambda.numel() == b, name(), " needs one lambda per image, got ", lambda.numel(), " for ", b);
  const auto lam = lambda.to(torch::kCPU, torch::kFloat64).reshape({b});
  require(!reads_lambda() || (torch::isfinite(lam).all().item<bool>() && (lam > 0).all().item<bool>()),
          name(), " needs positive, finite lambda");
  // Row i k + j is sample j of image i.
  const auto rows = torch::arange(b, torch::kLong).repeat_interleave(k).to(data.y().device());
  auto generator = at::detail::createCPUGenerator(options_.seed());
  const auto lam_rows = lam.repeat_interleave(k);
  const auto shape = data.op()->domain_shape();
  const int64_t pixels = shape[shape.size() - 1] * shape[shape.size() - 2];
  const int64_t batch = options_.batch() > 0 ? options_.batch() : default_batch_rows(pixels, device());
  std::vector<torch::Tensor> parts;
  for (int64_t r0 = 0; r0 < b * k; r0 += batch) {
    const int64_t len = std::min(batch, b * k - r0);
    // Steps counted over the whole run (chunk c's step k is c * steps + k), so progress lines rise.
    IterationCallback counted;
    if (callback) {
      const int64_t offset = (r0 / batch) * options_.steps();
      counted = [&callback, offset](int64_t k, const torch::Tensor& x, const torch::Tensor& f) {
        return callback(offset + k, x, f);
      };
    }
    // Each chunk's rows of y selected once, straight from the data.
    parts.push_back(
        sample(data.select(rows.narrow(0, r0, len)), lam_rows.narrow(0, r0, len), generator, counted));
  }
  const auto drawn = torch::cat(parts);

  auto out =
      reconstruction_from_samples(drawn.view({b, k, drawn.size(1), drawn.size(2), drawn.size(3)}), data);
  if (summary) {
    SolverSummary s;
    s.objective = out.objective.view({b});
    s.iterations = torch::full({b}, options_.steps(), torch::kLong);
    s.status = torch::full({b}, static_cast<int64_t>(SampleStatus::converged),
                           torch::kLong);  // the schedule ran to its end
    s.evaluations = options_.steps();
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *summary = std::move(s);
  }
  return out;
}

namespace {

// lambda (B,) float64 as a (B, 1, 1, 1) float32 factor on `device`.
torch::Tensor per_sample(const torch::Tensor& values, torch::Device device) {
  return values.to(torch::kFloat32).view({-1, 1, 1, 1}).to(device);
}

}  // namespace

torch::Tensor DiffusionPosteriorSampling::sample(const DataFidelity& data, const torch::Tensor& lambda,
                                                 at::Generator& generator,
                                                 const IterationCallback& callback) const {
  // DPS differentiates the network: gradients on even for a caller that turned them off (Python's
  // torch.no_grad(), an inference guard around a job).
  torch::AutoGradMode gradients_on(true);
  const auto abar = model_->alphas_cumprod();
  const auto steps = sampling_timesteps(model_->steps(), options_.steps());
  const int64_t n = data.y().size(0);
  const auto zeta = per_sample(1.0 / lambda, device());
  const auto dtype = data.y().scalar_type();
  auto x = initial_noise(data, generator);
  for (size_t k = 0; k < steps.size(); ++k) {
    const int64_t t = steps[k], t_prev = k + 1 < steps.size() ? steps[k + 1] : -1;
    const auto c = ddim_coefficients(abar, t, t_prev, 1.0, options_.large_variance());
    // Tweedie's x0 with the graph to x_t.
    const auto x_t = x.detach().requires_grad_(true);
    const auto eps = model_->predict_noise(x_t, torch::full({n}, t, torch::kLong));
    const auto x0 = predict_x0(x_t, eps, c.abar);
    const auto image = to_image_space(x0);
    torch::Tensor direction;
    {
      // zeta / ||r|| grad ||r||^2 with r = W^(1/2) (A x0 - y) (W = I without weights):
      // back-propagate 2 A^T W (A x0 - y) / ||r|| through the network.
      torch::NoGradGuard no_grad;
      const auto r = data.op()->apply(image.detach().to(dtype)) - data.y();
      const auto norm = (data.weighted(r) * r).flatten(1).sum(1).sqrt().clamp_min(1e-12);
      direction = (2.0 * data.op()->adjoint(data.weighted(r)) / norm.view({-1, 1, 1, 1}))
                      .to(image.device(), torch::kFloat32);
    }
    const auto gradient = torch::autograd::grad({image}, {x_t}, {direction})[0];
    torch::NoGradGuard no_grad;
    auto x0_step = x0.detach();
    if (clips()) x0_step = x0_step.clamp(-1.0, 1.0);
    const auto noise = c.noise_sigma > 0 ? diffusion_noise(x.sizes(), generator, device()) : torch::Tensor();
    x = ddim_step(x0_step, predict_eps(x_t.detach(), x0_step, c.abar), c, noise) - zeta * gradient;
    if (callback) {
      const auto estimate = to_image_space(x0_step);
      // A sampler's chain cannot stop early: a request to stop is ignored.
      callback(static_cast<int64_t>(k) + 1, estimate, data.value(estimate.to(dtype)));
    }
  }
  torch::NoGradGuard no_grad;
  const auto out = to_image_space(x);
  return options_.box() ? out.clamp(0.0, 1.0) : out;
}

torch::Tensor DiffPir::sample(const DataFidelity& data, const torch::Tensor& lambda, at::Generator& generator,
                              const IterationCallback& callback) const {
  torch::NoGradGuard no_grad;
  const auto abar = model_->alphas_cumprod();
  const auto steps = sampling_timesteps(model_->steps(), options_.steps());
  const int64_t n = data.y().size(0);
  const auto dtype = data.y().scalar_type();
  auto prox_data = data;
  prox_data.set_prox_options(options_.data_prox());
  const auto inverse_lambda = (1.0 / lambda).to(torch::kFloat64);
  const double zeta = options_.zeta();
  auto x = initial_noise(data, generator);
  for (size_t k = 0; k < steps.size(); ++k) {
    const int64_t t = steps[k], t_prev = k + 1 < steps.size() ? steps[k + 1] : -1;
    const double a = abar[t].item<double>(), a_prev = t_prev < 0 ? 1.0 : abar[t_prev].item<double>();
    const auto eps = model_->predict_noise(x, torch::full({n}, t, torch::kLong));
    const auto x0 = predict_x0(x, eps, a);
    // The data step on the [0, 1] scale, where x0's noise is s_t = sqrt((1 - abar) / abar) / 2.
    const double s = std::sqrt((1.0 - a) / a) / 2.0;
    const auto tau = (s * s * inverse_lambda).to(data.y().device());
    const auto image = prox_data.prox(to_image_space(x0).to(dtype), tau).to(x.device(), torch::kFloat32);
    auto x0_hat = to_diffusion_space(image);
    if (clips()) x0_hat = x0_hat.clamp(-1.0, 1.0);
    if (t_prev < 0) {
      x = x0_hat;
    } else {
      const auto eps_hat = predict_eps(x, x0_hat, a);
      const auto noise = diffusion_noise(x.sizes(), generator, device());
      x = std::sqrt(a_prev) * x0_hat +
          std::sqrt(1.0 - a_prev) * (std::sqrt(1.0 - zeta) * eps_hat + std::sqrt(zeta) * noise);
    }
    if (callback) {
      const auto estimate = to_image_space(x0_hat);
      callback(static_cast<int64_t>(k) + 1, estimate, data.value(estimate.to(dtype)));
    }
  }
  const auto out = to_image_space(x);
  return options_.box() ? out.clamp(0.0, 1.0) : out;
}

}  // namespace genreg
