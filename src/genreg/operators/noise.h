#pragma once
// Measurement noise (PROTOCOL.md): y = A x + sigma e with e ~ N(0, I), seeded; or, as an option,
// Poisson counts y = Poisson(peak * max(A x, 0)) / peak, whose variance (A x) / peak plays the role
// of sigma^2; or low-dose CT's Beer-Lambert photon noise (PROTOCOL.md, "Medical imaging") on the
// line integrals A x (metres) of x = mu / mu_max: counts N ~ Poisson(N0 exp(-mu_max A x)), zero
// counts replaced by 0.1, post-log data y = -ln(N / N0) / mu_max. Its data term is the weighted
// least squares sum_i w_i (A x - y)_i^2 / 2 with w_i = N_i mu_max^2, the inverse of the post-log
// variance 1 / (N_i mu_max^2) (the delta method): Gaussian noise of unit level after whitening,
// so sigma is 1 for it.
#include <torch/torch.h>

#include <string>

namespace genreg {

struct NoiseModel {
  enum class Kind { gaussian, poisson, beer_lambert };
  Kind kind = Kind::gaussian;
  double sigma = 0.0;    // gaussian
  double peak = 0.0;     // poisson: expected count at A x = 1
  double photons = 0.0;  // beer_lambert: N0, the incident photons per detector bin

  // "0.1" or "gaussian:0.1" -> Gaussian; "poisson:1000" -> Poisson with that peak; "ct:4096" ->
  // Beer-Lambert with N0 = 4096.
  static NoiseModel parse(const std::string& text);
  std::string str() const;
};

// Adds noise to clean measurements Ax, drawn on the CPU from `seed` (the same values on every
// device), returned on Ax's device.
torch::Tensor add_noise(const torch::Tensor& clean, const NoiseModel& noise, uint64_t seed);

// The weights w of the data term sum_i w_i (A x - y)_i^2 / 2 that `noise` calls for, a function of
// the measurements y (Beer-Lambert: N = N0 exp(-mu_max y) recovers the counts, w = N mu_max^2),
// shaped as y on y's device; undefined where the data term is unweighted (Gaussian, Poisson).
torch::Tensor noise_weights(const NoiseModel& noise, const torch::Tensor& y);

}  // namespace genreg
