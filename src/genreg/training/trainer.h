#pragma once
// Training of the generative models: one optimiser set-up and one step per model kind, epochs over
// a batch of images reshuffled from (seed, epoch) so that a run resumed from an epoch checkpoint
// continues exactly as the uninterrupted run would.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "genreg/models/generative_model.h"

namespace genreg {

struct TrainOptions {
  TORCH_ARG(int64_t, epochs) = 30;
  TORCH_ARG(int64_t, batch_size) = 64;
  // Learning rate of the autoencoder, or of the GAN generator.
  TORCH_ARG(double, lr) = 1e-3;
  // Learning rate of the GAN critic.
  TORCH_ARG(double, lr_critic) = 1e-3;
  // Adam's (beta1, beta2).
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  // VAE: weight of KL / (pixels) against the mean squared error per pixel. With a Gaussian decoder
  // of standard deviation rho, the negative ELBO per pixel is MSE / (2 rho^2) + KL / n, i.e. this
  // loss times 1 / (2 rho^2) with kl_weight = 2 rho^2 (../shared/FINDINGS.md: 0.05).
  TORCH_ARG(double, kl_weight) = 0.05;
  // VAE: epochs of deterministic autoencoder training (z = mean, no KL) before the VAE loss.
  TORCH_ARG(int64_t, pretrain_epochs) = 0;
  // VAE: epochs over which the KL weight rises linearly from 0 to kl_weight after pre-training.
  TORCH_ARG(int64_t, kl_warmup_epochs) = 0;
  // WGAN-GP: penalty weight and critic steps per generator step (Gulrajani et al.: 10 and 5).
  TORCH_ARG(double, gp_weight) = 10.0;
  TORCH_ARG(int64_t, critic_steps) = 5;
  // gan-hinge: R1 weight gamma (penalty gamma / 2 E ||grad D(x)||^2) and generator EMA decay.
  TORCH_ARG(double, r1_weight) = 1.0;
  TORCH_ARG(double, ema_decay) = 0.999;
  TORCH_ARG(uint64_t, seed) = 0;

 public:  // TORCH_ARG leaves the struct in a private section
  nlohmann::json to_json() const;
  static TrainOptions from_json(const nlohmann::json& json);
};

// The recipe for each kind: AE/VAE Adam 1e-3; wgan-gp Adam 1e-4 betas (0, 0.9), 5 critic steps,
// penalty 10 (the paper's GAN); gan-hinge generator 1e-4, critic 4e-4, betas (0, 0.9), R1 1, EMA
// 0.999; gan Adam 2e-4 betas (0.5, 0.999) (DCGAN).
TrainOptions default_train_options(ModelKind kind);

// Epochs of the default recipes (see the definition for how they were measured).
int64_t default_epochs(ModelKind kind);
// The paper's latent dimensions: 10 for shapes (and shapes-plus), 8 otherwise (mnist).
int64_t default_latent_dim(const std::string& dataset);

struct StepReport {
  int64_t epoch = 0, epochs = 0;          // epoch is 0-based
  int64_t step = 0, steps_per_epoch = 0;  // step within the epoch, 1-based
  std::map<std::string, double> losses;   // this step's loss terms
  double images_per_second = 0.0;
  double eta_seconds = 0.0;  // until the last epoch ends
};

using ProgressCallback = std::function<void(const StepReport&)>;

class Trainer {
 public:
  Trainer(GenerativeModelPtr model, TrainOptions options);

  // One pass over `images` (N, 1, H, W) on the model's device; returns the mean of each loss term.
  std::map<std::string, double> train_epoch(const torch::Tensor& images, int64_t epoch,
                                            const ProgressCallback& progress = {});

  // Optimiser state by name, as bytes, for checkpoints.
  std::map<std::string, std::string> optimizer_state();
  void load_optimizer_state(const std::map<std::string, std::string>& state);

  const TrainOptions& options() const { return options_; }
  GenerativeModel& model() { return *model_; }

 private:
  std::map<std::string, double> autoencoder_step(const torch::Tensor& x, int64_t epoch);
  std::map<std::string, double> critic_step(const torch::Tensor& x);
  std::map<std::string, double> generator_step(int64_t batch);
  torch::Tensor critic(const torch::Tensor& x);

  GenerativeModelPtr model_;
  TrainOptions options_;
  std::unique_ptr<torch::optim::Adam> optimizer_, critic_optimizer_;
  double seconds_per_step_ = 0.0;  // running average, for the ETA
};

// Mean PSNR (data range 1) of the model's encode-decode of `images` (AE/VAE: encoder mean),
// evaluated in batches without gradients.
double reconstruction_psnr(GenerativeModel& model, const torch::Tensor& images);

}  // namespace genreg
