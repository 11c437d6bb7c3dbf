#pragma once
// The ddpm kind: a small time-conditioned U-Net eps_theta(x_t, t) that predicts the noise of a
// diffusion model (Ho et al. 2020), with an exponential moving average of its weights used for
// sampling (Song & Ermon 2020; Ho et al.'s EMA 0.9999, here shorter runs).
//
// Network: sinusoidal embedding of t (Vaswani et al. 2017) through a two-layer SiLU MLP; three
// resolutions with f, 2f, 2f channels; at each, residual blocks of GroupNorm, SiLU, 3x3
// convolution with the time embedding added between the two convolutions (Ho et al.'s
// ResnetBlock); 3x3 strided convolutions down, nearest up-sampling and a 3x3 convolution up, skips
// by concatenation; optional single-head self-attention at the lowest resolution. Images whose
// sides are not multiples of 4 are padded by replication and cropped back.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "genreg/models/model.h"
#include "genreg/models/noise_predictor.h"
#include "genreg/models/noise_schedule.h"

namespace genreg {

struct DdpmConfig {
  int64_t height = 28, width = 28;
  int64_t features = 32;  // f: channels at full resolution
  bool attention = false;
  NoiseSchedule schedule;

  nlohmann::json to_json() const;
  // Missing "features", "attention", "schedule": the defaults above.
  static DdpmConfig from_json(const nlohmann::json& json);
  void validate() const;
};

// Residual block with a time embedding: x + conv(SiLU(GN(conv(SiLU(GN(x))) + W e))).
struct TimeResidualBlockImpl : torch::nn::Module {
  TimeResidualBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& embedding);

  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
  torch::nn::Linear time{nullptr};
};
TORCH_MODULE(TimeResidualBlock);

// Single-head self-attention over the pixels, with a residual connection.
struct SelfAttentionImpl : torch::nn::Module {
  explicit SelfAttentionImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::GroupNorm norm{nullptr};
  torch::nn::Conv2d qkv{nullptr}, out{nullptr};
};
TORCH_MODULE(SelfAttention);

struct DiffusionUnetImpl : torch::nn::Module {
  // in_channels: 1 for a noise predictor; more for conditional networks that see the condition
  // as extra channels (conditional_unet.h).
  DiffusionUnetImpl(int64_t features, bool attention, int64_t in_channels = 1);
  // x: (B, in_channels, H, W) with H, W multiples of 4; t: (B) steps (any dtype; the sinusoidal
  // embedding's scale is 0 .. 1000). Returns (B, 1, H, W).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t);

  int64_t features;
  torch::nn::Linear time1{nullptr}, time2{nullptr};
  torch::nn::Conv2d head{nullptr}, down1{nullptr}, down2{nullptr}, up2{nullptr}, up1{nullptr}, tail{nullptr};
  TimeResidualBlock enc0{nullptr}, enc1{nullptr}, mid1{nullptr}, mid2{nullptr}, dec1{nullptr}, dec0{nullptr};
  SelfAttention attention{nullptr};
  torch::nn::GroupNorm tail_norm{nullptr};
};
TORCH_MODULE(DiffusionUnet);

class Ddpm : public Model, public NoisePredictor {
 public:
  explicit Ddpm(const DdpmConfig& config);

  std::string kind_name() const override { return "ddpm"; }
  ModelRole role() const override { return ModelRole::noise_predictor; }
  nlohmann::json describe() const override { return config_.to_json(); }
  std::vector<int64_t> image_size() const override { return {config_.height, config_.width}; }
  torch::Device device() const override { return device_; }
  void move_to(torch::Device device) override;
  // The trained network only: the moving average never takes gradients.
  void set_trainable(bool trainable) override;

  // The moving average's prediction (what samplers use), any image size.
  torch::Tensor predict_noise(const torch::Tensor& x_t, const torch::Tensor& t) override;
  int64_t steps() const override { return config_.schedule.steps; }
  torch::Tensor alphas_cumprod() const override { return alphas_cumprod_; }

  // The prediction of the trained network (training), or of its moving average.
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, bool average);
  // The network the optimiser trains.
  DiffusionUnet& network() { return network_; }
  // average <- d average + (1 - d) network with d = min(decay, (1 + n) / (10 + n)) after n updates
  // (the warm-up of TensorFlow's ExponentialMovingAverage with num_updates), buffers copied. The
  // count is a buffer, so a resumed run continues bit for bit.
  void update_average(double decay);
  const DdpmConfig& config() const { return config_; }

 private:
  DdpmConfig config_;
  torch::Device device_{torch::kCPU};
  torch::Tensor alphas_cumprod_;
  DiffusionUnet network_{nullptr}, average_{nullptr};
  torch::Tensor average_updates_;
};

}  // namespace genreg
