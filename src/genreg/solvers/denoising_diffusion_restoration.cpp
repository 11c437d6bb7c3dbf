#include "genreg/solvers/denoising_diffusion_restoration.h"

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/models/diffusion_sampling.h"

namespace genreg {

DenoisingDiffusionRestoration::DenoisingDiffusionRestoration(NoisePredictorPtr model,
                                                             DiffusionPosteriorOptions options)
    : DiffusionPosteriorSampler(std::move(model), options) {
  require(std::isfinite(options_.eta()) && options_.eta() >= 0 && options_.eta() <= 1,
          "ddrm's eta must be in [0, 1], got ", options_.eta());
  require(std::isfinite(options_.eta_b()) && options_.eta_b() >= 0 && options_.eta_b() <= 1,
          "ddrm's eta_b must be in [0, 1], got ", options_.eta_b());
}

namespace {

// V^T and V of the basis in which A^T A is diagonal, on (B, 1, H, W) images: the identity for the
// pixel basis, the orthonormal 2D DFT for the Fourier one (complex coefficients; V of coefficients
// whose weights are symmetric under k -> -k is real, and its real part is taken).
struct SpectralBasis {
  bool fourier = false;
  torch::Tensor to(const torch::Tensor& x) const {
    return fourier ? torch::fft::fft2(x, c10::nullopt, {-2, -1}, "ortho") : x;
  }
  torch::Tensor from(const torch::Tensor& coefficients) const {
    return fourier
               ? torch::real(torch::fft::ifft2(coefficients, c10::nullopt, {-2, -1}, "ortho")).contiguous()
               : coefficients;
  }
};

}  // namespace

torch::Tensor DenoisingDiffusionRestoration::sample(const DataFidelity& data, const torch::Tensor&,
                                                    at::Generator& generator,
                                                    const IterationCallback& callback) const {
  torch::NoGradGuard no_grad;
  const auto& op = *data.op();
  const auto gram = op.gram_diagonal();
  require(gram.has_value(), "ddrm needs an operator with an SVD in closed form (denoise, inpaint, mri); ",
          op.spec(), " has none: use dps or diffpir");
  require(data.sigma() > 0, "ddrm needs the measurement's noise level sigma > 0");
  const auto dev = device();
  const SpectralBasis basis{gram->basis == GramDiagonal::Basis::fourier};
  // A^T A's eigenvalues d = s^2, (1, 1, H, W).
  const auto d = gram->values.to(dev, torch::kFloat32).unsqueeze(0);
  const auto observed = d > 1e-6;
  const double sigma_y = 2.0 * data.sigma();
  // The measurement on the model's [-1, 1] scale, y' = 2 y - A 1, and its spectral pseudo-inverse
  // ybar = (V^T A^T y') / d where d > 0 (0 elsewhere, where it is never read).
  const auto shape = op.domain_shape();
  std::vector<int64_t> one{1};
  one.insert(one.end(), shape.begin(), shape.end());
  const auto y = data.y();
  const auto y_model = 2.0 * y - op.apply(torch::ones(one, y.options()));
  const auto back = op.adjoint(y_model).to(dev, torch::kFloat32);
  const auto ybar = basis.to(back) / torch::where(observed, d, torch::ones_like(d));
  // The measurement's noise per component, sigma_y / s_i (infinite where s_i = 0).
  const auto noise_level = sigma_y / d.sqrt();

  const auto abar = model_->alphas_cumprod();
  const auto steps = sampling_timesteps(model_->steps(), options_.steps());
  const int64_t n = y.size(0);
  const double eta = options_.eta(), eta_b = options_.eta_b(), keep = std::sqrt(1.0 - eta * eta);
  auto x = initial_noise(data, generator);
  for (size_t k = 0; k < steps.size(); ++k) {
    const int64_t t = steps[k], t_prev = k + 1 < steps.size() ? steps[k + 1] : -1;
    const double a = abar[t].item<double>(), a_prev = t_prev < 0 ? 1.0 : abar[t_prev].item<double>();
    const auto eps = model_->predict_noise(x, torch::full({n}, t, torch::kLong));
    auto x0 = predict_x0(x, eps, a);
    if (clips()) x0 = x0.clamp(-1.0, 1.0);
    if (callback) {
      const auto estimate = to_image_space(x0);
      callback(static_cast<int64_t>(k) + 1, estimate, data.value(estimate.to(y.scalar_type())));
    }
    if (t_prev < 0) {  // sigma_t' = 0: every component's update is x0
      x = x0;
      break;
    }
    // The variance-exploding noise levels of x_t and x_t'.
    const double sigma_t = std::sqrt((1.0 - a) / a), sigma_p = std::sqrt((1.0 - a_prev) / a_prev);
    // The three cases' coefficients of x0, xbar_t, ybar and z, per component.
    const auto low = observed.logical_and(noise_level > sigma_p);  // the measurement is the less noisy
    const auto high = observed.logical_and(low.logical_not());
    const auto toward_y = keep * sigma_p / noise_level;  // (0 where unobserved: noise_level is inf)
    const auto zero = torch::zeros_like(d);
    const auto c_x0 = torch::where(observed, torch::where(low, 1.0 - toward_y, zero + (1.0 - eta_b)),
                                   zero + (1.0 - keep * sigma_p / sigma_t));
    const auto c_xt = torch::where(observed, zero, zero + keep * sigma_p / sigma_t);
    const auto c_y = torch::where(low, toward_y, torch::where(high, zero + eta_b, zero));
    const auto c_z =
        torch::where(high, (sigma_p * sigma_p - eta_b * eta_b * noise_level.pow(2)).clamp_min(0.0).sqrt(),
                     zero + eta * sigma_p);
    const auto z = diffusion_noise(x.sizes(), generator, dev);
    const auto next =
        c_x0 * basis.to(x0) + c_xt * basis.to(x / std::sqrt(a)) + c_y * ybar + c_z * basis.to(z);
    x = std::sqrt(a_prev) * basis.from(next);
  }
  const auto out = to_image_space(x);
  return options_.box() ? out.clamp(0.0, 1.0) : out;
}

}  // namespace genreg
