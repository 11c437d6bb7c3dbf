#pragma once
// DnCNN (Zhang et al., "Beyond a Gaussian denoiser", 2017): a residual denoiser. A plain stack of
// 3x3 convolutions with ReLU predicts the noise n(x) of its input, and D(x) = x - n(x). Blind: one
// network for every noise level of the range it was trained on (noise_range), which methods read to
// warn about extrapolation. Batch normalisation is left out: with the small batches of 2 cores its
// statistics are noisy, and without it the network is the same in training and evaluation mode.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "genreg/models/denoiser.h"
#include "genreg/models/model.h"

namespace genreg {

struct DnCnnConfig {
  int64_t height = 28, width = 28;
  int64_t depth = 8;      // convolutions, the first and last included
  int64_t features = 32;  // channels of the hidden convolutions
  double noise_low = 0.01, noise_high = 0.2;

  nlohmann::json to_json() const;
  static DnCnnConfig from_json(const nlohmann::json& json);
  // Throws genreg::Error for sizes the network cannot have.
  void validate() const;
};

class DnCnn : public Model, public Denoiser {
 public:
  explicit DnCnn(const DnCnnConfig& config);

  // Model
  std::string kind_name() const override { return "dncnn"; }
  ModelRole role() const override { return ModelRole::denoiser; }
  nlohmann::json describe() const override { return config_.to_json(); }
  std::vector<int64_t> image_size() const override { return {config_.height, config_.width}; }
  torch::Device device() const override { return device_; }
  void move_to(torch::Device device) override;
  void set_trainable(bool trainable) override;

  // Denoiser: x - n(x); sigma is not an input of a blind network (checked for shape only).
  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma) override;
  std::vector<double> noise_range() const override { return {config_.noise_low, config_.noise_high}; }

  const DnCnnConfig& config() const { return config_; }
  torch::nn::Sequential body{nullptr};

 private:
  DnCnnConfig config_;
  torch::Device device_{torch::kCPU};
};

}  // namespace genreg
