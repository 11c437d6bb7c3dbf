#include "genreg/models/dncnn.h"

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/models/model_registry.h"

namespace genreg {

nlohmann::json DnCnnConfig::to_json() const {
  return {{"kind", "dncnn"},      {"height", height},       {"width", width},          {"depth", depth},
          {"features", features}, {"noise_low", noise_low}, {"noise_high", noise_high}};
}

DnCnnConfig DnCnnConfig::from_json(const nlohmann::json& json) {
  DnCnnConfig c;
  try {
    c.height = json.at("height").get<int64_t>();
    c.width = json.at("width").get<int64_t>();
    c.depth = json.value("depth", c.depth);
    c.features = json.value("features", c.features);
    c.noise_low = json.at("noise_low").get<double>();
    c.noise_high = json.at("noise_high").get<double>();
  } catch (const nlohmann::json::exception& e) {
    fail("dncnn description is incomplete: ", e.what());
  }
  c.validate();
  return c;
}

void DnCnnConfig::validate() const {
  require(depth >= 2 && depth <= 64, "dncnn depth must be in 2..64, got ", depth);
  require(features >= 1 && features <= 512, "dncnn features must be in 1..512, got ", features);
  require(height >= 1 && width >= 1, "dncnn images must have a size, got ", height, "x", width);
  require(std::isfinite(noise_low) && std::isfinite(noise_high) && noise_low >= 0 && noise_high > noise_low &&
              noise_high <= 1,
          "dncnn noise range must satisfy 0 <= low < high <= 1, got ", noise_low, ":", noise_high);
}

DnCnn::DnCnn(const DnCnnConfig& config) : config_(config) {
  config_.validate();
  namespace nn = torch::nn;
  nn::Sequential net;
  const auto conv = [](int64_t in, int64_t out) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1));
  };
  net->push_back(conv(1, config_.features));
  net->push_back(nn::ReLU());
  for (int64_t k = 0; k < config_.depth - 2; ++k) {
    net->push_back(conv(config_.features, config_.features));
    net->push_back(nn::ReLU());
  }
  net->push_back(conv(config_.features, 1));
  body = register_module("body", net);
}

void DnCnn::move_to(torch::Device device) {
  to(device);
  device_ = device;
}

void DnCnn::set_trainable(bool trainable) {
  for (auto& p : parameters()) p.set_requires_grad(trainable);
}

torch::Tensor DnCnn::denoise(const torch::Tensor& x, const torch::Tensor& sigma) {
  require(x.dim() == 4 && x.size(1) == 1, "a denoiser takes images (B, 1, H, W), got ", x.sizes());
  require(!sigma.defined() || sigma.numel() == 1 || sigma.numel() == x.size(0),
          "one noise level per image is needed, got ", sigma.numel(), " for ", x.size(0));
  const auto input = x.to(device_, torch::kFloat32);
  return input - body->forward(input);
}

namespace {

ModelPtr make_dncnn(const nlohmann::json& description) {
  return std::make_shared<DnCnn>(DnCnnConfig::from_json(description));
}

}  // namespace

GENREG_REGISTER_MODEL_KIND(dncnn,
                           ModelKindInfo{
                               "dncnn", ModelRole::denoiser,
                               "residual DnCNN denoiser (Zhang et al. 2017), blind over its noise range",
                               make_dncnn});

}  // namespace genreg
