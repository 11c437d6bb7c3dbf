#include "genreg/models/architecture.h"

#include "genreg/core/error.h"
#include "genreg/models/layers.h"

namespace genreg {
namespace {

namespace nn = torch::nn;

nn::LeakyReLU leaky() { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)); }

// Resolution halvings of the resnet architecture and the size they end at.
struct Pyramid {
  int64_t levels = 0, height = 0, width = 0;
};

Pyramid pyramid(const ModelConfig& c) {
  Pyramid p{0, c.height, c.width};
  while (p.levels < 6 && p.height % 2 == 0 && p.width % 2 == 0 && std::min(p.height, p.width) > 8) {
    p.height /= 2;
    p.width /= 2;
    ++p.levels;
  }
  return p;
}

int64_t level_channels(const ModelConfig& c, int64_t level) {
  return c.channels * std::min<int64_t>(1 << level, 4);
}

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(padding));
}

nn::Sequential paper_encoder(const ModelConfig& c, int64_t outputs, bool sn) {
  const int64_t flat = 2 * c.channels * (c.height / 4) * (c.width / 4);
  nn::Sequential s;
  if (sn) {
    s->push_back(SNConv2d(1, c.channels, 3, 1, 1));
    s->push_back(leaky());
    s->push_back(SNConv2d(c.channels, 2 * c.channels, 4, 2, 1));
    s->push_back(leaky());
    s->push_back(SNConv2d(2 * c.channels, 2 * c.channels, 4, 2, 1));
    s->push_back(leaky());
    s->push_back(nn::Flatten());
    s->push_back(SNLinear(flat, outputs));
  } else {
    s->push_back(conv(1, c.channels, 3, 1, 1));
    s->push_back(leaky());
    s->push_back(conv(c.channels, 2 * c.channels, 4, 2, 1));
    s->push_back(leaky());
    s->push_back(conv(2 * c.channels, 2 * c.channels, 4, 2, 1));
    s->push_back(leaky());
    s->push_back(nn::Flatten());
    s->push_back(nn::Linear(flat, outputs));
  }
  return s;
}

nn::Sequential paper_decoder(const ModelConfig& c) {
  const int64_t h = c.height / 4, w = c.width / 4, ch = 2 * c.channels;
  nn::Sequential s;
  s->push_back(nn::Linear(c.latent_dim, ch * h * w));
  s->push_back(leaky());
  s->push_back(nn::Unflatten(nn::UnflattenOptions(1, {ch, h, w})));
  s->push_back(TransposedConv2d(ch, ch, 4, 2, 1));
  s->push_back(leaky());
  s->push_back(TransposedConv2d(ch, c.channels, 4, 2, 1));
  s->push_back(leaky());
  s->push_back(conv(c.channels, 1, 3, 1, 1));
  s->push_back(nn::Sigmoid());
  return s;
}

nn::Sequential resnet_encoder(const ModelConfig& c, int64_t outputs) {
  const auto p = pyramid(c);
  nn::Sequential s;
  s->push_back(conv(1, c.channels, 3, 1, 1));
  for (int64_t l = 0; l < p.levels; ++l) {
    s->push_back(ResidualBlock(level_channels(c, l), level_channels(c, l + 1)));
    s->push_back(nn::AvgPool2d(2));
  }
  const int64_t top = level_channels(c, p.levels);
  s->push_back(ResidualBlock(top, top));
  s->push_back(nn::GroupNorm(group_count(top), top));
  s->push_back(nn::SiLU());
  s->push_back(nn::Flatten());
  s->push_back(nn::Linear(top * p.height * p.width, outputs));
  return s;
}

nn::Sequential resnet_decoder(const ModelConfig& c) {
  const auto p = pyramid(c);
  const int64_t top = level_channels(c, p.levels);
  nn::Sequential s;
  s->push_back(nn::Linear(c.latent_dim, top * p.height * p.width));
  s->push_back(nn::Unflatten(nn::UnflattenOptions(1, {top, p.height, p.width})));
  s->push_back(ResidualBlock(top, top));
  for (int64_t l = p.levels; l >= 1; --l) {
    s->push_back(nn::Upsample(
        nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)));
    s->push_back(conv(level_channels(c, l), level_channels(c, l - 1), 3, 1, 1));
    s->push_back(ResidualBlock(level_channels(c, l - 1), level_channels(c, l - 1)));
  }
  s->push_back(nn::GroupNorm(group_count(c.channels), c.channels));
  s->push_back(nn::SiLU());
  s->push_back(conv(c.channels, 1, 3, 1, 1));
  s->push_back(nn::Sigmoid());
  return s;
}

nn::Sequential resnet_critic(const ModelConfig& c) {
  const auto p = pyramid(c);
  nn::Sequential s;
  s->push_back(SNConv2d(1, c.channels, 3, 1, 1));
  for (int64_t l = 0; l < p.levels; ++l)
    s->push_back(CriticBlock(level_channels(c, l), level_channels(c, l + 1), true));
  s->push_back(leaky());
  s->push_back(nn::Flatten());
  s->push_back(SNLinear(level_channels(c, p.levels) * p.height * p.width, 1));
  return s;
}

}  // namespace

nn::Sequential make_encoder(const ModelConfig& config, int64_t outputs) {
  config.validate();
  return config.arch == "paper" ? paper_encoder(config, outputs, false) : resnet_encoder(config, outputs);
}

nn::Sequential make_decoder(const ModelConfig& config) {
  config.validate();
  return config.arch == "paper" ? paper_decoder(config) : resnet_decoder(config);
}

nn::Sequential make_critic(const ModelConfig& config, bool spectral_norm) {
  config.validate();
  return config.arch == "paper" ? paper_encoder(config, 1, spectral_norm) : resnet_critic(config);
}

}  // namespace genreg
