#include "genreg/models/diffusion_unet.h"

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/models/layers.h"
#include "genreg/models/model_registry.h"

namespace genreg {

nlohmann::json DdpmConfig::to_json() const {
  return {{"kind", "ddpm"},       {"height", height},       {"width", width},
          {"features", features}, {"attention", attention}, {"schedule", schedule.to_json()}};
}

DdpmConfig DdpmConfig::from_json(const nlohmann::json& json) {
  DdpmConfig c;
  try {
    c.height = json.at("height").get<int64_t>();
    c.width = json.at("width").get<int64_t>();
    c.features = json.value("features", c.features);
    c.attention = json.value("attention", c.attention);
    if (json.contains("schedule")) c.schedule = NoiseSchedule::from_json(json.at("schedule"));
  } catch (const nlohmann::json::exception& e) {
    fail("ddpm description is incomplete: ", e.what());
  }
  c.validate();
  return c;
}

void DdpmConfig::validate() const {
  require(height >= 1 && width >= 1, "ddpm images must have a size, got ", height, "x", width);
  require(features >= 4 && features <= 512 && features % 4 == 0,
          "ddpm features must be a multiple of 4 in 4..512, got ", features);
  schedule.validate();
}

namespace {

namespace F = torch::nn::functional;

torch::nn::Conv2d conv3(int64_t in, int64_t out, int64_t stride = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1));
}

// sin / cos of t times frequencies 10000^(-k / (d/2)), k = 0 .. d/2 - 1 (Vaswani et al. 2017).
torch::Tensor sinusoidal_embedding(const torch::Tensor& t, int64_t dim) {
  const int64_t half = dim / 2;
  const auto k = torch::arange(half, t.options().dtype(torch::kFloat32));
  const auto freqs = torch::exp(-std::log(10000.0) * k / static_cast<double>(half));
  const auto args = t.to(torch::kFloat32).unsqueeze(1) * freqs.unsqueeze(0);
  return torch::cat({torch::sin(args), torch::cos(args)}, 1);
}

torch::Tensor upsample(const torch::Tensor& x) {
  return F::interpolate(
      x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
}

}  // namespace

TimeResidualBlockImpl::TimeResidualBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding) {
  norm1 = register_module("norm1", torch::nn::GroupNorm(group_count(in_channels), in_channels));
  conv1 = register_module("conv1", conv3(in_channels, out_channels));
  time = register_module("time", torch::nn::Linear(embedding, out_channels));
  norm2 = register_module("norm2", torch::nn::GroupNorm(group_count(out_channels), out_channels));
  conv2 = register_module("conv2", conv3(out_channels, out_channels));
  if (in_channels != out_channels)
    skip = register_module("skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1)));
}

torch::Tensor TimeResidualBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& embedding) {
  auto h = conv1(torch::silu(norm1(x)));
  h = h + time(torch::silu(embedding)).unsqueeze(-1).unsqueeze(-1);
  h = conv2(torch::silu(norm2(h)));
  return (skip ? skip(x) : x) + h;
}

SelfAttentionImpl::SelfAttentionImpl(int64_t channels) {
  norm = register_module("norm", torch::nn::GroupNorm(group_count(channels), channels));
  qkv = register_module("qkv", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 3 * channels, 1)));
  out = register_module("out", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 1)));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const auto parts = qkv(norm(x)).reshape({b, 3, c, h * w}).unbind(1);
  // softmax(Q^T K / sqrt(c)) over the keys, applied to V.
  const auto weights =
      torch::softmax(torch::bmm(parts[0].transpose(1, 2), parts[1]) / std::sqrt(double(c)), -1);
  const auto attended = torch::bmm(parts[2], weights.transpose(1, 2)).reshape({b, c, h, w});
  return x + out(attended);
}

DiffusionUnetImpl::DiffusionUnetImpl(int64_t f, bool with_attention, int64_t in_channels) : features(f) {
  const int64_t e = 4 * f;
  time1 = register_module("time1", torch::nn::Linear(f, e));
  time2 = register_module("time2", torch::nn::Linear(e, e));
  head = register_module("head", conv3(in_channels, f));
  enc0 = register_module("enc0", TimeResidualBlock(f, f, e));
  down1 = register_module("down1", conv3(f, f, 2));
  enc1 = register_module("enc1", TimeResidualBlock(f, 2 * f, e));
  down2 = register_module("down2", conv3(2 * f, 2 * f, 2));
  mid1 = register_module("mid1", TimeResidualBlock(2 * f, 2 * f, e));
  if (with_attention) attention = register_module("attention", SelfAttention(2 * f));
  mid2 = register_module("mid2", TimeResidualBlock(2 * f, 2 * f, e));
  up2 = register_module("up2", conv3(2 * f, 2 * f));
  dec1 = register_module("dec1", TimeResidualBlock(4 * f, 2 * f, e));
  up1 = register_module("up1", conv3(2 * f, 2 * f));
  dec0 = register_module("dec0", TimeResidualBlock(3 * f, f, e));
  tail_norm = register_module("tail_norm", torch::nn::GroupNorm(group_count(f), f));
  tail = register_module("tail", conv3(f, 1));
}

torch::Tensor DiffusionUnetImpl::forward(const torch::Tensor& x, const torch::Tensor& t) {
  const auto e = time2(torch::silu(time1(sinusoidal_embedding(t.to(x.device()), features))));
  const auto h0 = enc0(head(x), e);    // H
  const auto h1 = enc1(down1(h0), e);  // H/2
  auto h = mid1(down2(h1), e);         // H/4
  if (attention) h = attention(h);
  h = mid2(h, e);
  h = dec1(torch::cat({up2(upsample(h)), h1}, 1), e);  // H/2
  h = dec0(torch::cat({up1(upsample(h)), h0}, 1), e);  // H
  return tail(torch::silu(tail_norm(h)));
}

Ddpm::Ddpm(const DdpmConfig& config) : config_(config) {
  config_.validate();
  alphas_cumprod_ = config_.schedule.alphas_cumprod();
  network_ = register_module("network", DiffusionUnet(config_.features, config_.attention));
  average_ = register_module("average", DiffusionUnet(config_.features, config_.attention));
  start_moving_average(*average_, *network_);
  average_updates_ = register_buffer("average_updates", torch::zeros({}, torch::kLong));
}

void Ddpm::move_to(torch::Device device) {
  to(device);
  device_ = device;
}

void Ddpm::set_trainable(bool trainable) {
  for (auto& p : network_->parameters()) p.set_requires_grad(trainable);
  for (auto& p : average_->parameters()) p.set_requires_grad(false);
}

torch::Tensor Ddpm::forward(const torch::Tensor& x_t, const torch::Tensor& t, bool average) {
  require(x_t.dim() == 4 && x_t.size(1) == 1, "a noise predictor takes images (B, 1, H, W), got ",
          x_t.sizes());
  require(t.dim() == 1 && t.size(0) == x_t.size(0), "ddpm needs one step per image, got ", t.sizes(), " for ",
          x_t.size(0));
  const auto input = pad_to_multiple(x_t.to(device_, torch::kFloat32), 4);  // two halvings
  return input.crop((average ? average_ : network_)->forward(input.padded, t.to(device_)));
}

torch::Tensor Ddpm::predict_noise(const torch::Tensor& x_t, const torch::Tensor& t) {
  return forward(x_t, t, true);
}

void Ddpm::update_average(double decay) {
  const double n = static_cast<double>(average_updates_.item<int64_t>());
  update_moving_average(*average_, *network_, warmed_up_decay(decay, n));
  torch::NoGradGuard no_grad;
  average_updates_.add_(1);
}

namespace {

ModelPtr make_ddpm(const nlohmann::json& description) {
  return std::make_shared<Ddpm>(DdpmConfig::from_json(description));
}

}  // namespace

GENREG_REGISTER_MODEL_KIND(ddpm,
                           ModelKindInfo{"ddpm", ModelRole::noise_predictor,
                                         "DDPM noise predictor (Ho et al. 2020): time-conditioned U-Net "
                                         "with GroupNorm, SiLU and a moving average of its weights",
                                         make_ddpm});

}  // namespace genreg
