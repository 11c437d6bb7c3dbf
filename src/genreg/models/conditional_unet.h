#pragma once
// Two conditional kinds on the diffusion U-Net (diffusion_unet.h), each trained for one
// acquisition (operator and noise, recorded in its description) on pairs (x, y = A x + e), seeing
// y through the back-projection c = A^T y, normalised by its mean and standard deviation over the
// training pairs (buffers set before training: A^T y of cs:150 and of tomo differ in scale by
// orders of magnitude):
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
//
// Both keep a moving average of their weights (the diffusion recipe's 0.999 with warm-up) and use
// it to generate.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "genreg/models/conditional_generator.h"
#include "genreg/models/diffusion_unet.h"
#include "genreg/models/model.h"

namespace genreg {

struct ConditionalUnetConfig {
  std::string kind = "cfm";  // cfm or postprocess
  int64_t height = 28, width = 28;
  int64_t features = 32;
  bool attention = false;
  std::string operator_spec;  // canonical (LinearOperator::spec)
  std::string noise;          // NoiseModel::str
  int64_t steps = 10;         // cfm: default ODE steps (Heun)

  bool flow() const { return kind == "cfm"; }
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

  // The network's output for x_t (cfm; undefined for postprocess) at times t (B) in [0, 1] and
  // raw conditions A^T y (B, 1, H, W): the velocity (cfm) or the image on [-1, 1] (postprocess).
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const torch::Tensor& condition,
                        bool average);
  // Sets the condition's normalisation from training conditions (N, 1, H, W).
  void set_condition_statistics(const torch::Tensor& conditions);
  DiffusionUnet& network() { return network_; }
  void update_average(double decay);
  const ConditionalUnetConfig& config() const { return config_; }

 private:
  ConditionalUnetConfig config_;
  torch::Device device_{torch::kCPU};
  DiffusionUnet network_{nullptr}, average_{nullptr};
  torch::Tensor condition_mean_, condition_std_, average_updates_;
};

}  // namespace genreg
