#pragma once
// Two conditional kinds on the diffusion U-Net (diffusion_unet.h), each trained for one
// acquisition (operator and noise, recorded in its description) on pairs (x, y = A x + e), seeing
// y through the back-projection c = A^T y (or, as an option, the Wiener estimate, linear_mmse.h),
// normalised by its mean and standard deviation over the training pairs (buffers set before training: A^T y
// of cs:150 and of tomo differ in scale by orders of magnitude):
//
//   cfm          conditional flow matching (Lipman et al. 2023) on rectified-flow paths (Liu et al.
//                2023): x_t = (1 - t) x_0 + t x_1, x_0 ~ N(0, I), x_1 the image on [-1, 1]; the
//                network v(x_t, t, c) (x_t and c as two input channels, t through the sinusoidal
//                embedding at 1000 t) regresses x_1 - x_0, so that its minimiser is
//                E[x_1 - x_0 | x_t, c] and the ODE dx/dt = v carries N(0, I) to p(x | y)
//                (flow_sampling.h). z is x_0: K draws give K posterior samples.
//   postprocess  a U-Net from c alone to x, trained by mean squared error (FBPConvNet, Jin et al.
//                2017): the MMSE estimate E[x | y] in one pass, no samples; the supervised baseline
//                every conditional model must beat. The time input is held at 0.
//   pix2pix      the conditional GAN of Isola et al. 2017: the U-Net maps (z, c) to x, with z an
//                input noise image (their dropout is off in eval mode, so it could not make
//                samples), and a PatchGAN critic judges (c, x) pairs patch by patch (three 4x4
//                convolutions, the first two of stride 2: a logit per patch of about 10x10 pixels);
//                trained by the non-saturating GAN loss plus 100 times the L1 distance to x.
//
// Both keep a moving average of their weights (the diffusion recipe's 0.999 with warm-up) and use
// it to generate.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "genreg/models/conditional_generator.h"
#include "genreg/models/diffusion_unet.h"
#include "genreg/models/linear_mmse.h"
#include "genreg/models/model.h"

namespace genreg {

struct ConditionalUnetConfig {
  std::string kind = "cfm";  // cfm, postprocess or pix2pix
  int64_t height = 28, width = 28;
  int64_t features = 32;
  bool attention = false;
  std::string operator_spec;  // canonical (LinearOperator::spec)
  std::string noise;          // NoiseModel::str
  int64_t steps = 10;         // cfm: default ODE steps (Heun)
  // What the network sees of y: "backprojection" (A^T y), "lmmse" (the Wiener estimate under the
  // training images' mean and covariance, models/linear_mmse.h, computed for whatever operator and
  // noise the measurements have) or "fbp" (filtered back-projection of CT data, the input of
  // FBPConvNet, Jin et al. 2017).
  std::string condition = "backprojection";

  bool flow() const { return kind == "cfm"; }
  bool adversarial() const { return kind == "pix2pix"; }
  // A latent image z: cfm's x_0, pix2pix's input noise.
  bool has_latent() const { return flow() || adversarial(); }
  nlohmann::json to_json() const;
  static ConditionalUnetConfig from_json(const nlohmann::json& json);
  void validate() const;
};

class ConditionalUnet : public Model, public ConditionalGenerator {
 public:
  explicit ConditionalUnet(const ConditionalUnetConfig& config);

  std::string kind_name() const override { return config_.kind; }
  ModelRole role() const override { return ModelRole::conditional_generator; }
  nlohmann::json describe() const override { return config_.to_json(); }
  std::vector<int64_t> image_size() const override { return {config_.height, config_.width}; }
  torch::Device device() const override { return device_; }
  void move_to(torch::Device device) override;
  void set_trainable(bool trainable) override;

  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& condition,
                         const GenerationOptions& options = {}) override;
  std::vector<int64_t> latent_shape() const override;
  std::string operator_spec() const override { return config_.operator_spec; }
  std::string noise() const override { return config_.noise; }
  torch::Tensor condition(const OperatorPtr& op, const torch::Tensor& y, double sigma) override;
  // lmmse: the training images' mean and covariance (set before training).
  void set_data_statistics(const torch::Tensor& images);

  // The network's output for the latent image (cfm: x_t at times t (B) in [0, 1]; pix2pix: z, t
  // ignored; postprocess: undefined) and raw conditions A^T y (B, 1, H, W): the velocity (cfm) or
  // the image on [-1, 1].
  torch::Tensor forward(const torch::Tensor& latent, const torch::Tensor& t, const torch::Tensor& condition,
                        bool average);
  // pix2pix: the critic's patch logits (B, 1, h, w) for images x on [-1, 1] and raw conditions.
  torch::Tensor criticise(const torch::Tensor& x, const torch::Tensor& condition);
  torch::nn::Sequential& critic() { return critic_; }
  // Sets the condition's normalisation from training conditions (N, 1, H, W).
  void set_condition_statistics(const torch::Tensor& conditions);
  DiffusionUnet& network() { return network_; }
  void update_average(double decay);
  const ConditionalUnetConfig& config() const { return config_; }

 private:
  ConditionalUnetConfig config_;
  torch::Device device_{torch::kCPU};
  DiffusionUnet network_{nullptr}, average_{nullptr};
  torch::nn::Sequential critic_{nullptr};
  torch::Tensor condition_mean_, condition_std_, average_updates_;
  torch::Tensor data_mean_, data_covariance_;  // lmmse
  // Wiener estimators by operator spec and noise level (each an n x n solve).
  std::map<std::pair<std::string, double>, std::shared_ptr<LinearMmseEstimator>> estimators_;
};

}  // namespace genreg
