#pragma once
// The options of a training run, for every model kind (each kind reads the ones it uses); stored in
// checkpoints so that a resumed run continues with the same settings.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

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
  // pix2pix: weight of the L1 distance to the target against the adversarial loss (Isola et al.: 100).
  TORCH_ARG(double, l1_weight) = 100.0;
  TORCH_ARG(uint64_t, seed) = 0;

 public:  // TORCH_ARG leaves the struct in a private section
  nlohmann::json to_json() const;
  static TrainOptions from_json(const nlohmann::json& json);
};

}  // namespace genreg
