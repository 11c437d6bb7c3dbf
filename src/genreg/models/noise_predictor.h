#pragma once
// The noise-predictor role of diffusion models (Ho et al. 2020): eps_theta(x_t, t) predicts the
// noise e of x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) e, so that the posterior mean of x_0 is
// x0_hat = (x_t - sqrt(1 - abar_t) eps_theta) / sqrt(abar_t) (Tweedie) and the score of p_t is
// -eps_theta / sqrt(1 - abar_t). DDPM / DDIM sampling and posterior samplers (DPS, DiffPIR) need
// only this and the schedule abar the model was trained with. Kinds of this role register with
// ModelRole::noise_predictor.
//
// Diffusion runs on images mapped to [-1, 1] (Ho et al. 2020, section 3.3): x_0 = 2 x - 1 for an
// image x on genreg's [0, 1] scale (to_diffusion_space / to_image_space below), so that a
// schedule's abar_t means the same signal-to-noise ratio as in the literature.
//
// Contract: deterministic in eval mode, differentiable in x_t (DPS back-propagates through it),
// each sample processed alone.
#include <torch/torch.h>

namespace genreg {

class NoisePredictor {
 public:
  virtual ~NoisePredictor() = default;
  // x_t: (B, 1, H, W); t: (B) int64 steps in [0, steps()). Returns eps of shape (B, 1, H, W).
  virtual torch::Tensor predict_noise(const torch::Tensor& x_t, const torch::Tensor& t) = 0;
  // T, the number of diffusion steps of the training schedule.
  virtual int64_t steps() const = 0;
  // abar_t for t = 0 .. T-1: (T) float64 on the CPU, decreasing from near 1 towards 0.
  virtual torch::Tensor alphas_cumprod() const = 0;
};

inline torch::Tensor to_diffusion_space(const torch::Tensor& image) { return 2.0 * image - 1.0; }
inline torch::Tensor to_image_space(const torch::Tensor& x0) { return 0.5 * (x0 + 1.0); }

}  // namespace genreg
