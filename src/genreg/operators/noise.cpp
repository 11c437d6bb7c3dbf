#include "genreg/operators/noise.h"

#include <ATen/CPUGeneratorImpl.h>

#include <sstream>

#include "genreg/core/error.h"
#include "genreg/data/attenuation.h"
#include "genreg/operators/operator_spec.h"

namespace genreg {

NoiseModel NoiseModel::parse(const std::string& text) {
  NoiseModel model;
  const auto colon = text.find(':');
  const std::string kind = colon == std::string::npos ? "gaussian" : text.substr(0, colon);
  const std::string value = colon == std::string::npos ? text : text.substr(colon + 1);
  if (kind == "gaussian") {
    model.sigma = parse_number(value, "noise '" + text + "'");
    // The data term weighs residuals by 1 / sigma^2 (DataFidelity): sigma 0 would make every
    // reconstruction divide by zero, and a sigma far above the [0, 1] intensities buries the image.
    require(model.sigma > 0.0 && model.sigma <= 1e3, "noise sigma must be in (0, 1000], got ", model.sigma,
            " (for nearly noise-free data give a small sigma such as 1e-3)");
  } else if (kind == "poisson") {
    model.kind = Kind::poisson;
    model.peak = parse_number(value, "noise '" + text + "'");
    require(model.peak > 0.0 && model.peak <= 1e12, "Poisson peak must be in (0, 1e12], got ", model.peak);
  } else if (kind == "ct") {
    model.kind = Kind::beer_lambert;
    model.photons = parse_number(value, "noise '" + text + "'");
    require(model.photons >= 1.0 && model.photons <= 1e12, "CT photon count N0 must be in [1, 1e12], got ",
            model.photons);
  } else {
    fail("unknown noise '", text, "' (use SIGMA, gaussian:SIGMA, poisson:PEAK or ct:N0)");
  }
  return model;
}

std::string NoiseModel::str() const {
  std::ostringstream s;
  if (kind == Kind::gaussian)
    s << "gaussian:" << sigma;
  else if (kind == Kind::poisson)
    s << "poisson:" << peak;
  else
    s << "ct:" << photons;
  return s.str();
}

torch::Tensor add_noise(const torch::Tensor& clean, const NoiseModel& noise, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  auto cpu = clean.detach().to(torch::kCPU, torch::kFloat64);
  torch::Tensor noisy;
  if (noise.kind == NoiseModel::Kind::gaussian) {
    noisy = cpu + noise.sigma * at::normal(0.0, 1.0, cpu.sizes(), generator, torch::kFloat64);
  } else if (noise.kind == NoiseModel::Kind::poisson) {
    noisy = at::poisson(cpu.clamp_min(0.0) * noise.peak, generator) / noise.peak;
  } else {
    auto counts = at::poisson(noise.photons * torch::exp(-kMuMax * cpu.clamp_min(0.0)), generator);
    noisy = -torch::log(counts.clamp_min(0.1) / noise.photons) / kMuMax;
  }
  return noisy.to(clean.device(), clean.scalar_type());
}

torch::Tensor noise_weights(const NoiseModel& noise, const torch::Tensor& y) {
  if (noise.kind != NoiseModel::Kind::beer_lambert) return torch::Tensor();
  return noise.photons * torch::exp(-kMuMax * y) * (kMuMax * kMuMax);
}

}  // namespace genreg
