#pragma once
// A small DRUNet (Zhang et al., "Plug-and-play image restoration with deep denoiser prior", 2021):
// a U-Net of residual blocks whose input carries a noise-level map beside the image, so that one
// network serves every sigma of its range non-blindly (PnP's schedules call it at many levels).
// Three scales with features f, 2f, 4f; `depth` residual blocks (conv-ReLU-conv plus identity) per
// scale on the way down, at the bottom and on the way up; 2x2 strided convolutions down, nearest
// up-sampling and a 3x3 convolution up, skips by addition; D(x, s) = x - n([x, s]).
// `bias_free` drops every bias (Mohan et al. 2020, "Robust and interpretable blind image
// denoising via bias-free CNNs"): the network is then positively homogeneous,
// D(a x, a s) = a D(x, s), which helps it generalise beyond the trained levels.
// Images whose sides are not multiples of 4 are padded by replication and cropped back.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "genreg/models/denoiser.h"
#include "genreg/models/model.h"

namespace genreg {

struct DrunetConfig {
  int64_t height = 28, width = 28;
  int64_t depth = 1;      // residual blocks per stage
  int64_t features = 32;  // channels at full resolution (2x, 4x below)
  bool bias_free = false;
  double noise_low = 0.0, noise_high = 0.5;

  nlohmann::json to_json() const;
  // Missing "depth", "features", "bias_free": the defaults above.
  static DrunetConfig from_json(const nlohmann::json& json);
  void validate() const;
};

struct ResidualConvBlockImpl : torch::nn::Module {
  ResidualConvBlockImpl(int64_t channels, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d first{nullptr}, second{nullptr};
};
TORCH_MODULE(ResidualConvBlock);

class Drunet : public Model, public Denoiser {
 public:
  explicit Drunet(const DrunetConfig& config);

  std::string kind_name() const override { return "drunet"; }
  ModelRole role() const override { return ModelRole::denoiser; }
  nlohmann::json describe() const override { return config_.to_json(); }
  std::vector<int64_t> image_size() const override { return {config_.height, config_.width}; }
  torch::Device device() const override { return device_; }
  void move_to(torch::Device device) override;
  void set_trainable(bool trainable) override;

  // x: (B, 1, H, W) any size; sigma: (B) or one value, the noise level of each image.
  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma) override;
  std::vector<double> noise_range() const override { return {config_.noise_low, config_.noise_high}; }

  const DrunetConfig& config() const { return config_; }

 private:
  torch::Tensor noise_estimate(const torch::Tensor& input);

  DrunetConfig config_;
  torch::Device device_{torch::kCPU};
  torch::nn::Conv2d head{nullptr}, down1{nullptr}, down2{nullptr}, up2{nullptr}, up1{nullptr}, tail{nullptr};
  torch::nn::Sequential enc1{nullptr}, enc2{nullptr}, bottom{nullptr}, dec2{nullptr}, dec1{nullptr};
};

}  // namespace genreg
