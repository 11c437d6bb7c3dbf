#pragma once
// Sampling a diffusion model (models/noise_predictor.h) on a subsequence of its T steps.
//
// Every sampler here takes the generalised DDIM step (Song et al. 2021, eq. 12) from step t to the
// previous kept step t' (abar' = 1 after the last):
//   x0  = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)                       (Tweedie's estimate)
//   x_t' = sqrt(abar') x0 + sqrt(1 - abar' - s^2) eps + s z,  z ~ N(0, I),
//   s   = eta sqrt((1 - abar') / (1 - abar_t)) sqrt(1 - abar_t / abar'),
// which with eta = 1 is DDPM's ancestral step on the respaced chain (Ho et al. 2020, eq. 6-7;
// Nichol & Dhariwal 2021, section 4) and with eta = 0 the deterministic DDIM step, a discretisation of
// the probability-flow ODE. x0 is clipped to [-1, 1] (the data's range) before the step, and eps
// recomputed from the clipped x0 so that the step stays consistent with x_t.
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "genreg/models/noise_predictor.h"

namespace genreg {

// `count` steps of 0 .. T-1, evenly spaced, from T-1 down to 0 (the respaced chain). count in 1..T.
std::vector<int64_t> sampling_timesteps(int64_t total_steps, int64_t count);

struct DdimCoefficients {
  double abar = 0.0;         // abar_t
  double abar_prev = 1.0;    // abar_t' (1 after the last step)
  double sigma = 0.0;        // s of the step (eta included): sets the mean's eps coefficient
  double noise_sigma = 0.0;  // the standard deviation of the added noise (s, or the larger one)
};
// `large_variance`: the added noise has variance eta^2 (1 - abar_t / abar') (the step's beta, Ho et
// al.'s upper bound) instead of s^2 (the posterior's, the lower bound), the mean unchanged. On a
// respaced chain the lower bound ignores the spread of x0 given x_t and shrinks the samples.
DdimCoefficients ddim_coefficients(const torch::Tensor& alphas_cumprod, int64_t t, int64_t t_prev, double eta,
                                   bool large_variance = false);

// x0 from x_t and eps, and eps from x_t and x0 (the forward process solved either way).
torch::Tensor predict_x0(const torch::Tensor& x_t, const torch::Tensor& eps, double abar);
torch::Tensor predict_eps(const torch::Tensor& x_t, const torch::Tensor& x0, double abar);
// The step above, for the given x0 (already clipped or corrected) and eps; `noise` ~ N(0, I) is
// only read when sigma > 0.
torch::Tensor ddim_step(const torch::Tensor& x0, const torch::Tensor& eps, const DdimCoefficients& c,
                        const torch::Tensor& noise);

// Standard normal noise of `shape` drawn on the CPU from `generator` (the same on every device), as
// float32 on `device`.
torch::Tensor diffusion_noise(at::IntArrayRef shape, at::Generator& generator, torch::Device device);

struct PriorSamplingOptions {
  TORCH_ARG(int64_t, steps) = 50;
  TORCH_ARG(double, eta) = 0.0;  // 1: DDPM ancestral, 0: DDIM
  TORCH_ARG(uint64_t, seed) = 0;
  // Images per network call; 0: default_batch_rows (core/runtime.h): on a CPU 50,176 pixels (64 of
  // 28x28), which keeps the activations below glibc's 32 MiB mmap ceiling; on a GPU 2^24.
  TORCH_ARG(int64_t, batch) = 0;
  // Clip x0 to [-1, 1] at every step and the result to [0, 1]; off for data that is not an image
  // (the Gaussian tests).
  TORCH_ARG(bool, clip) = true;
  // Ancestral steps' noise at the upper variance bound (ddim_coefficients).
  TORCH_ARG(bool, large_variance) = false;
};

// `count` images (count, 1, H, W) on genreg's [0, 1] scale, from pure noise.
torch::Tensor sample_prior(NoisePredictor& model, int64_t count, int64_t height, int64_t width,
                           torch::Device device, const PriorSamplingOptions& options = {});

}  // namespace genreg
