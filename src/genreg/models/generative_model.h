#pragma once
// A generative model trained by genreg: its networks (encoder and decoder for AE/VAE; generator,
// critic and, for gan-hinge, the generator's exponential moving average for GANs) and the
// Generator interface over them.
#include <torch/torch.h>

#include <memory>
#include <utility>

#include "genreg/models/generator.h"
#include "genreg/models/model.h"
#include "genreg/models/model_config.h"

namespace genreg {

class GenerativeModel : public Model, public Generator {
 public:
  explicit GenerativeModel(const ModelConfig& config);

  const ModelConfig& config() const { return config_; }
  // True for the vae: its encoder is Gaussian (encode_gaussian).
  bool variational() const;

  // Model interface: the five kinds ae, vae, wgan-gp, gan-hinge, gan, all generators.
  std::string kind_name() const override { return config_.kind; }
  ModelRole role() const override { return ModelRole::generator; }
  nlohmann::json describe() const override { return config_.to_json(); }

  // Generator interface. decode uses the moving average of the generator where there is one
  // (gan-hinge), else the decoder/generator itself.
  torch::Tensor decode(const torch::Tensor& z) override;
  int64_t latent_dim() const override { return config_.latent_dim; }
  std::vector<int64_t> image_size() const override { return {config_.height, config_.width}; }
  torch::Device device() const override { return device_; }
  bool has_encoder() const override { return static_cast<bool>(encoder); }
  // The encoder's output for AE, its mean for VAE.
  torch::Tensor encode(const torch::Tensor& x) override;

  // VAE: the Gaussian q(z|x) as (mean, log-variance), each (B, d).
  std::pair<torch::Tensor, torch::Tensor> encode_gaussian(const torch::Tensor& x);
  // Moves every network to `device`.
  void move_to(torch::Device device) override;
  // Turns gradients of every weight on or off (off for latent optimisation: only z is optimised).
  void set_trainable(bool trainable) override;
  // ema <- decay ema + (1 - decay) decoder, for the parameters; buffers are copied.
  void update_ema(double decay);
  // Sets the bias of the decoder's last convolution (before the sigmoid) to logit(mean), so that
  // an untrained decoder outputs the data's mean intensity instead of 0.5. Without it, Adam's first
  // steps on the MSE push every pre-activation of a mostly-black dataset down at once and the
  // sigmoid saturates at 0 for good (measured on mnist, in genreg and in PyTorch alike: the AE
  // stuck at 9.79 dB, the PSNR of an all-black output).
  void set_output_intensity(double mean);

  torch::nn::Sequential encoder{nullptr}, decoder{nullptr}, critic{nullptr}, ema{nullptr};

 private:
  void check_images_input(const torch::Tensor& x) const;
  ModelConfig config_;
  torch::Device device_{torch::kCPU};
};

using GenerativeModelPtr = std::shared_ptr<GenerativeModel>;

}  // namespace genreg
