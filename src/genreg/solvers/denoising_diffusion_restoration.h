#pragma once
// DDRM, denoising diffusion restoration models (Kawar, Elad, Ermon & Song 2022): posterior sampling
// with a diffusion prior for operators with an SVD A = U S V^T in closed form, here those whose A^T A
// is diagonal in a known orthonormal basis V (operators/linear_operator.h, GramDiagonal: denoise and
// inpaint in the pixel basis, mri in the Fourier basis), with s_i^2 = A^T A's eigenvalue d_i.
//
// On the variance-exploding chain x_t = x_0 + sigma_t e, sigma_t = sqrt((1 - abar_t) / abar_t) (the
// network sees sqrt(abar_t) x_t), each step from t to the next kept t' works per spectral component
// i of xbar = V^T x, with Tweedie's x0 from the network and the measurement's spectral pseudo-inverse
// ybar_i = (V^T A^T y)_i / d_i, whose noise is sigma_y / s_i (their eq. 7 - 8):
//   s_i = 0:                     xbar_t' = x0 + sqrt(1 - eta^2) sigma_t' (xbar_t - x0) / sigma_t + eta
//   sigma_t' z sigma_t' <  sigma_y / s_i:   xbar_t' = x0 + sqrt(1 - eta^2) sigma_t' (ybar - x0) / (sigma_y /
//   s_i) + eta sigma_t' z sigma_t' >= sigma_y / s_i:   xbar_t' = (1 - eta_b) x0 + eta_b ybar +
//   sqrt(sigma_t'^2 - eta_b^2 sigma_y^2 / s_i^2) z
// (x0 meaning its component). Every coefficient depends on the component only through d_i, which
// is symmetric under k -> -k in the Fourier basis, so the step is a real operator on real images:
// one transform to the basis and one back per step. The measurement enters on the model's [-1, 1]
// scale: y' = 2 y - A 1, sigma_y = 2 sigma. DDRM has no regularisation parameter: the noise level
// weighs the data (lambda is not read). Kawar et al.'s defaults: 20 steps, eta 0.85, eta_b 1.
#include "genreg/solvers/diffusion_posterior.h"

namespace genreg {

class DenoisingDiffusionRestoration : public DiffusionPosteriorSampler {
 public:
  // Refuses eta or eta_b outside [0, 1].
  DenoisingDiffusionRestoration(NoisePredictorPtr model, DiffusionPosteriorOptions options);
  std::string name() const override { return "ddrm"; }
  bool reads_lambda() const override { return false; }

 protected:
  torch::Tensor sample(const DataFidelity& data, const torch::Tensor& lambda, at::Generator& generator,
                       const IterationCallback& callback) const override;
};

}  // namespace genreg
