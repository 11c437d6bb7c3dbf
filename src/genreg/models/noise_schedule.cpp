#include "genreg/models/noise_schedule.h"

#include <cmath>

#include "genreg/core/error.h"

namespace genreg {

torch::Tensor NoiseSchedule::alphas_cumprod() const {
  validate();
  auto betas = torch::empty({steps}, torch::kFloat64);
  auto b = betas.accessor<double, 1>();
  if (kind == "linear") {
    for (int64_t t = 0; t < steps; ++t)
      b[t] = beta_start + (beta_end - beta_start) * static_cast<double>(t) / static_cast<double>(steps - 1);
  } else {
    const double s = 0.008, pi = 3.14159265358979323846;
    auto f = [&](double u) {
      const double c = std::cos((u / static_cast<double>(steps) + s) / (1.0 + s) * pi / 2.0);
      return c * c;
    };
    for (int64_t t = 0; t < steps; ++t) b[t] = std::min(1.0 - f(t + 1.0) / f(static_cast<double>(t)), 0.999);
  }
  return torch::cumprod(1.0 - betas, 0);
}

nlohmann::json NoiseSchedule::to_json() const {
  nlohmann::json j = {{"kind", kind}, {"steps", steps}};
  if (kind == "linear") {
    j["beta_start"] = beta_start;
    j["beta_end"] = beta_end;
  }
  return j;
}

NoiseSchedule NoiseSchedule::from_json(const nlohmann::json& json) {
  NoiseSchedule s;
  try {
    s.kind = json.value("kind", s.kind);
    s.steps = json.value("steps", s.steps);
    s.beta_start = json.value("beta_start", s.beta_start);
    s.beta_end = json.value("beta_end", s.beta_end);
  } catch (const nlohmann::json::exception& e) {
    fail("bad noise schedule: ", e.what());
  }
  s.validate();
  return s;
}

void NoiseSchedule::validate() const {
  require(kind == "linear" || kind == "cosine", "unknown noise schedule '", kind, "' (use linear or cosine)");
  require(steps >= 2 && steps <= 100000, "diffusion steps T must be in 2..100000, got ", steps);
  if (kind == "linear")
    require(std::isfinite(beta_start) && std::isfinite(beta_end) && beta_start > 0 &&
                beta_end >= beta_start && beta_end < 1,
            "linear schedule needs 0 < beta_start <= beta_end < 1, got ", beta_start, " .. ", beta_end);
}

}  // namespace genreg
