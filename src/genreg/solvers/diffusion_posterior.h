#pragma once
// Posterior sampling with a diffusion prior (models/noise_predictor.h): K samples x ~ p(x | y) per
// measurement, all images x samples one batch, from the reverse process of the prior steered by the
// data fidelity D(x) = ||A x - y||^2 / (2 sigma^2) on the [0, 1] image scale. The estimate is the
// samples' mean (the MMSE estimate's Monte Carlo approximation), with the per-pixel standard
// deviation as the uncertainty (solvers/reconstruction.h).
//
//   dps      diffusion posterior sampling (Chung et al. 2023, Algorithm 1): the DDPM ancestral step
//            on the respaced chain, then x_{t'} -= zeta / ||y - A x0(x_t)|| grad_{x_t} ||y - A x0(x_t)||^2,
//            the gradient taken through the network (Tweedie's x0). The regularisation parameter is
//            lambda = 1 / zeta, so that a larger lambda trusts the prior more, as for every method.
//   diffpir  DiffPIR (Zhu et al. 2023, Algorithm 1): at each step the data-consistency prox on
//            Tweedie's x0, x0_hat = prox_{tau D}(x0) with tau = s_t^2 / lambda, s_t = sqrt((1 - abar_t)
//            / abar_t) / 2 the noise of x0 on the [0, 1] scale (their rho_t = lambda sigma_n^2 /
//            sigma_t^2, our pnp-hqs convention), then x_{t'} = sqrt(abar') x0_hat + sqrt(1 - abar')
//            (sqrt(1 - zeta) eps_hat + sqrt(zeta) z) with eps_hat from x0_hat: zeta = 1 is fully
//            stochastic, 0 deterministic.
//
// Clipping x0 to the data's range at each step (`clip`) is on for dps and ddrm, whose x0 is the
// network's alone, and off for diffpir, whose data step holds x0_hat to the measurement: clipping
// an image's background at the range's edge biases it upwards (tests/solvers/
// diffusion_posterior_test.cpp). Every finished sample is clamped to [0, 1] (`box`).
//
// Randomness comes from one CPU generator seeded with `seed`: a run is reproducible and the same
// on every device; a batch's draws depend on its size.
#include <memory>
#include <optional>

#include "genreg/models/noise_predictor.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

using NoisePredictorPtr = std::shared_ptr<NoisePredictor>;

struct DiffusionPosteriorOptions {
  // Sampling steps (of the model's T, evenly spaced) and samples per image.
  TORCH_ARG(int64_t, steps) = 100;
  TORCH_ARG(int64_t, samples) = 8;
  // diffpir: the share of fresh noise in each step. 1 (fully stochastic): on 8 shapes tomography
  // validation images (4 samples, lambda 0.95) it gave 29.53 dB where 0.3 gave 28.27, on table1a's
  // 20 validation images (8 samples, each at its best lambda) 21.91 against 17.45 (BENCHMARKS.md,
  // "Diffusion").
  TORCH_ARG(double, zeta) = 1.0;
  // ddrm: the fresh noise's share eta and the measurement's weight eta_b in the steps where the
  // measurement is noisier than x_t (Kawar et al.'s defaults).
  TORCH_ARG(double, eta) = 0.85;
  TORCH_ARG(double, eta_b) = 1.0;
  TORCH_ARG(uint64_t, seed) = 0;
  // Clip Tweedie's x0 (diffpir: the data step's x0_hat) to the data's range [-1, 1] at each step
  // (Ho et al.'s clip_denoised); unset: the method's default (clips()).
  TORCH_ARG(std::optional<bool>, clip) = std::nullopt;
  // Clamp every finished sample to the image range [0, 1].
  TORCH_ARG(bool, box) = true;
  // dps: ancestral noise at the upper variance bound (models/diffusion_sampling.h), which the
  // Gaussian tests show over- rather than under-dispersed on respaced chains.
  TORCH_ARG(bool, large_variance) = false;
  // Samples run through the network together. Larger batches gain nothing on a CPU: tensors above
  // glibc's 32 MiB mmap ceiling are mapped and zeroed afresh at every step (measured on 2 cores: a
  // batch of 480 DPS samples spent 60% of its time in the kernel).
  // 0: default_batch_rows (core/runtime.h): on a CPU 50,176 pixels per batch (64 images of 28x28,
  // 16 of 56x56), on a GPU 2^24.
  TORCH_ARG(int64_t, batch) = 0;
  // diffpir's data step (conjugate gradients where A^T A has no closed form).
  TORCH_ARG(DataProxOptions, data_prox) = {};
};

class DiffusionPosteriorSampler : public Reconstructor {
 public:
  DiffusionPosteriorSampler(NoisePredictorPtr model, DiffusionPosteriorOptions options);
  const DiffusionPosteriorOptions& options() const { return options_; }
  // K samples of every image are one batch.
  int64_t batch_per_image() const override { return options_.samples(); }
  // Whether lambda weighs the data (dps, diffpir); ddrm's noise level does that itself.
  virtual bool reads_lambda() const { return true; }
  // Whether x0 is clipped at each step: options().clip(), else the method's default.
  bool clips() const { return options_.clip().value_or(clips_by_default()); }

  // The samples' mean.
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary = nullptr,
                      const IterationCallback& callback = {}) const override;
  // x: the mean; samples (B, K, 1, H, W); std: per pixel (unbiased over the K samples, 0 for K = 1).
  Reconstruction reconstruct(const DataFidelity& data, const torch::Tensor& lambda,
                             SolverSummary* summary = nullptr,
                             const IterationCallback& callback = {}) const override;

 protected:
  // One posterior sample per row of `data` (its own lambda), on the [0, 1] scale, without gradients.
  // `callback` gets each step's x0 estimate (image scale).
  virtual torch::Tensor sample(const DataFidelity& data, const torch::Tensor& lambda,
                               at::Generator& generator, const IterationCallback& callback) const = 0;
  virtual bool clips_by_default() const { return true; }
  // x_T ~ N(0, I) for `data`'s rows, on the model's device.
  torch::Tensor initial_noise(const DataFidelity& data, at::Generator& generator) const;
  torch::Device device() const;

  NoisePredictorPtr model_;
  DiffusionPosteriorOptions options_;
};

class DiffusionPosteriorSampling : public DiffusionPosteriorSampler {
 public:
  using DiffusionPosteriorSampler::DiffusionPosteriorSampler;
  std::string name() const override { return "dps"; }

 protected:
  torch::Tensor sample(const DataFidelity& data, const torch::Tensor& lambda, at::Generator& generator,
                       const IterationCallback& callback) const override;
};

class DiffPir : public DiffusionPosteriorSampler {
 public:
  using DiffusionPosteriorSampler::DiffusionPosteriorSampler;
  std::string name() const override { return "diffpir"; }

 protected:
  // No clipping: the data step already holds x0_hat to the measurement, and clipping a background
  // at the range's edge (-1) keeps the positive half of the network's error there and drops the
  // negative half, so that every sample ends with a gray offset (BENCHMARKS.md, "Diffusion":
  // table1b's SSIM 0.56 with clipping, 0.91 without).
  bool clips_by_default() const override { return false; }
  torch::Tensor sample(const DataFidelity& data, const torch::Tensor& lambda, at::Generator& generator,
                       const IterationCallback& callback) const override;
};

}  // namespace genreg
