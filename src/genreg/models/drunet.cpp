#include "genreg/models/drunet.h"

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/models/layers.h"
#include "genreg/models/model_registry.h"

namespace genreg {

nlohmann::json DrunetConfig::to_json() const {
  return {{"kind", "drunet"},       {"height", height},        {"width", width},
          {"depth", depth},         {"features", features},    {"bias_free", bias_free},
          {"noise_low", noise_low}, {"noise_high", noise_high}};
}

DrunetConfig DrunetConfig::from_json(const nlohmann::json& json) {
  DrunetConfig c;
  try {
    c.height = json.at("height").get<int64_t>();
    c.width = json.at("width").get<int64_t>();
    c.depth = json.value("depth", c.depth);
    c.features = json.value("features", c.features);
    c.bias_free = json.value("bias_free", c.bias_free);
    c.noise_low = json.at("noise_low").get<double>();
    c.noise_high = json.at("noise_high").get<double>();
  } catch (const nlohmann::json::exception& e) {
    fail("drunet description is incomplete: ", e.what());
  }
  c.validate();
  return c;
}

void DrunetConfig::validate() const {
  require(depth >= 1 && depth <= 16, "drunet depth (residual blocks per stage) must be in 1..16, got ",
          depth);
  require(features >= 1 && features <= 256, "drunet features must be in 1..256, got ", features);
  require(height >= 1 && width >= 1, "drunet images must have a size, got ", height, "x", width);
  require(std::isfinite(noise_low) && std::isfinite(noise_high) && noise_low >= 0 && noise_high > noise_low &&
              noise_high <= 1,
          "drunet noise range must satisfy 0 <= low < high <= 1, got ", noise_low, ":", noise_high);
}

namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, bool bias) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel == 3 ? 1 : 0).bias(bias));
}

torch::nn::Sequential blocks(int64_t count, int64_t channels, bool bias) {
  torch::nn::Sequential s;
  for (int64_t k = 0; k < count; ++k) s->push_back(ResidualConvBlock(channels, bias));
  return s;
}

}  // namespace

ResidualConvBlockImpl::ResidualConvBlockImpl(int64_t channels, bool bias) {
  first = register_module("first", conv(channels, channels, 3, 1, bias));
  second = register_module("second", conv(channels, channels, 3, 1, bias));
}

torch::Tensor ResidualConvBlockImpl::forward(const torch::Tensor& x) {
  return x + second(torch::relu(first(x)));
}

Drunet::Drunet(const DrunetConfig& config) : config_(config) {
  config_.validate();
  const int64_t f = config_.features, d = config_.depth;
  const bool bias = !config_.bias_free;
  head = register_module("head", conv(2, f, 3, 1, bias));
  enc1 = register_module("enc1", blocks(d, f, bias));
  down1 = register_module("down1", conv(f, 2 * f, 2, 2, bias));
  enc2 = register_module("enc2", blocks(d, 2 * f, bias));
  down2 = register_module("down2", conv(2 * f, 4 * f, 2, 2, bias));
  bottom = register_module("bottom", blocks(d, 4 * f, bias));
  up2 = register_module("up2", conv(4 * f, 2 * f, 3, 1, bias));
  dec2 = register_module("dec2", blocks(d, 2 * f, bias));
  up1 = register_module("up1", conv(2 * f, f, 3, 1, bias));
  dec1 = register_module("dec1", blocks(d, f, bias));
  tail = register_module("tail", conv(f, 1, 3, 1, bias));
}

void Drunet::move_to(torch::Device device) {
  to(device);
  device_ = device;
}

void Drunet::set_trainable(bool trainable) {
  for (auto& p : parameters()) p.set_requires_grad(trainable);
}

torch::Tensor Drunet::noise_estimate(const torch::Tensor& input) {
  namespace F = torch::nn::functional;
  const auto up = [](const torch::Tensor& t) {
    return F::interpolate(
        t, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
  };
  const auto x1 = enc1->forward(head(input));
  const auto x2 = enc2->forward(down1(x1));
  const auto x3 = bottom->forward(down2(x2));
  const auto y2 = dec2->forward(up2(up(x3)) + x2);
  const auto y1 = dec1->forward(up1(up(y2)) + x1);
  return tail(y1);
}

torch::Tensor Drunet::denoise(const torch::Tensor& x, const torch::Tensor& sigma) {
  require(x.dim() == 4 && x.size(1) == 1, "a denoiser takes images (B, 1, H, W), got ", x.sizes());
  require(sigma.defined() && (sigma.numel() == 1 || sigma.numel() == x.size(0)),
          "drunet needs one noise level per image, got ", sigma.defined() ? sigma.numel() : 0, " for ",
          x.size(0));
  const auto input = x.to(device_, torch::kFloat32);
  // Sides padded to multiples of 4 (two halvings), by replication.
  const auto padded = pad_to_multiple(input, 4);
  const auto s = sigma.to(device_, torch::kFloat32)
                     .reshape({-1, 1, 1, 1})
                     .expand({x.size(0), 1, padded.padded.size(2), padded.padded.size(3)});
  return input - padded.crop(noise_estimate(torch::cat({padded.padded, s}, 1)));
}

namespace {

ModelPtr make_drunet(const nlohmann::json& description) {
  return std::make_shared<Drunet>(DrunetConfig::from_json(description));
}

}  // namespace

GENREG_REGISTER_MODEL_KIND(drunet,
                           ModelKindInfo{"drunet", ModelRole::denoiser,
                                         "small DRUNet (Zhang et al. 2021): U-Net of residual blocks with a "
                                         "noise-level map input, optionally bias-free",
                                         make_drunet});

}  // namespace genreg
