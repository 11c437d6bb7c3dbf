#include "genreg/models/diffusion_sampling.h"

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/core/runtime.h"

namespace genreg {

std::vector<int64_t> sampling_timesteps(int64_t total_steps, int64_t count) {
  require(count >= 1 && count <= total_steps, "sampling steps must be in 1..", total_steps,
          " (the model's T), got ", count);
  std::vector<int64_t> out;
  // t_k = round(k (T - 1) / (count - 1)) for k = count-1 .. 0: the first is T - 1, the last 0.
  for (int64_t k = count - 1; k >= 0; --k)
    out.push_back(count == 1 ? total_steps - 1
                             : static_cast<int64_t>(
                                   std::llround(double(k) * double(total_steps - 1) / double(count - 1))));
  return out;
}

DdimCoefficients ddim_coefficients(const torch::Tensor& alphas_cumprod, int64_t t, int64_t t_prev, double eta,
                                   bool large_variance) {
  DdimCoefficients c;
  c.abar = alphas_cumprod[t].item<double>();
  c.abar_prev = t_prev < 0 ? 1.0 : alphas_cumprod[t_prev].item<double>();
  const double ratio = std::max(0.0, 1.0 - c.abar / c.abar_prev);
  c.sigma = eta * std::sqrt((1.0 - c.abar_prev) / (1.0 - c.abar) * ratio);
  // The last step (abar' = 1) returns x0 in both cases.
  c.noise_sigma = large_variance && t_prev >= 0 ? eta * std::sqrt(ratio) : c.sigma;
  return c;
}

torch::Tensor predict_x0(const torch::Tensor& x_t, const torch::Tensor& eps, double abar) {
  return (x_t - std::sqrt(1.0 - abar) * eps) / std::sqrt(abar);
}

torch::Tensor predict_eps(const torch::Tensor& x_t, const torch::Tensor& x0, double abar) {
  return (x_t - std::sqrt(abar) * x0) / std::sqrt(1.0 - abar);
}

torch::Tensor ddim_step(const torch::Tensor& x0, const torch::Tensor& eps, const DdimCoefficients& c,
                        const torch::Tensor& noise) {
  const double direction = std::sqrt(std::max(0.0, 1.0 - c.abar_prev - c.sigma * c.sigma));
  auto out = std::sqrt(c.abar_prev) * x0 + direction * eps;
  if (c.noise_sigma > 0) out = out + c.noise_sigma * noise;
  return out;
}

torch::Tensor diffusion_noise(at::IntArrayRef shape, at::Generator& generator, torch::Device device) {
  return torch::randn(shape, generator, torch::TensorOptions().dtype(torch::kFloat32)).to(device);
}

torch::Tensor sample_prior(NoisePredictor& model, int64_t count, int64_t height, int64_t width,
                           torch::Device device, const PriorSamplingOptions& options) {
  require(count >= 1, "sample at least one image");
  require(options.eta() >= 0 && options.eta() <= 1, "eta must be in [0, 1], got ", options.eta());
  require(options.batch() >= 0, "the sampling batch must not be negative");
  const int64_t batch = options.batch() > 0 ? options.batch() : default_batch_rows(height * width, device);
  torch::NoGradGuard no_grad;
  const auto abar = model.alphas_cumprod();
  const auto steps = sampling_timesteps(model.steps(), options.steps());
  auto generator = at::detail::createCPUGenerator(options.seed());
  std::vector<torch::Tensor> parts;
  for (int64_t i0 = 0; i0 < count; i0 += batch) {
    const int64_t len = std::min(batch, count - i0);
    auto x = diffusion_noise({len, 1, height, width}, generator, device);
    for (size_t k = 0; k < steps.size(); ++k) {
      const int64_t t = steps[k], t_prev = k + 1 < steps.size() ? steps[k + 1] : -1;
      const auto c = ddim_coefficients(abar, t, t_prev, options.eta(), options.large_variance());
      const auto eps = model.predict_noise(x, torch::full({len}, t, torch::kLong)).to(device);
      auto x0 = predict_x0(x, eps, c.abar);
      if (options.clip()) x0 = x0.clamp(-1.0, 1.0);
      const auto noise = c.noise_sigma > 0 ? diffusion_noise(x.sizes(), generator, device) : torch::Tensor();
      x = ddim_step(x0, predict_eps(x, x0, c.abar), c, noise);
    }
    parts.push_back(options.clip() ? to_image_space(x).clamp(0.0, 1.0) : to_image_space(x));
  }
  return torch::cat(parts);
}

}  // namespace genreg
