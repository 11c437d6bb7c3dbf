#pragma once
// Measurement noise (PROTOCOL.md): y = A x + sigma e with e ~ N(0, I), seeded; or, as an option,
// Poisson counts y = Poisson(peak * max(A x, 0)) / peak, whose variance (A x) / peak plays the role
// of sigma^2.
#include <torch/torch.h>

#include <string>

namespace genreg {

struct NoiseModel {
  enum class Kind { gaussian, poisson };
  Kind kind = Kind::gaussian;
  double sigma = 0.0;  // gaussian
  double peak = 0.0;   // poisson: expected count at A x = 1

  // "0.1" or "gaussian:0.1" -> Gaussian; "poisson:1000" -> Poisson with that peak.
  static NoiseModel parse(const std::string& text);
  std::string str() const;
};

// Adds noise to clean measurements Ax, drawn on the CPU from `seed` (the same values on every
// device), returned on Ax's device.
torch::Tensor add_noise(const torch::Tensor& clean, const NoiseModel& noise, uint64_t seed);

}  // namespace genreg
