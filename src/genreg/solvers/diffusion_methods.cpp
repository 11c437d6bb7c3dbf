// The diffusion posterior samplers (diffusion_posterior.h, denoising_diffusion_restoration.h)
// registered as dps, diffpir and ddrm.
#include <algorithm>

#include "genreg/solvers/denoising_diffusion_restoration.h"
#include "genreg/solvers/diffusion_posterior.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace {

// PROTOCOL.md: K = 8 samples per image unless stated otherwise.
DiffusionPosteriorOptions options_for(const MethodSettings& s, int64_t default_steps) {
  DiffusionPosteriorOptions o;
  o.steps(s.get<int64_t>("steps", default_steps));
  o.samples(s.get<int64_t>("samples", 8));
  o.zeta(s.get<double>("zeta", o.zeta()));
  o.eta(s.get<double>("eta", o.eta()));
  o.seed(s.seed());
  o.large_variance(s.get<bool>("large_variance", false));
  if (s.has("clip")) o.clip(s.get<std::string>("clip", "") == "on");
  o.box(!s.get<bool>("no_box", false));
  return o;
}

// The settings only one sampler reads, declared beside it.
SettingSpec zeta() {
  return SettingSpec::real("zeta", "share of fresh noise per step (default 1)", 0.0, 1.0);
}
SettingSpec eta() {
  return SettingSpec::real("eta", "share of fresh noise per step (default 0.85)", 0.0, 1.0);
}
SettingSpec large_variance() {
  return SettingSpec::flag(
      "large_variance",
      "ancestral noise at the step's beta (Ho et al.'s upper bound) instead of the posterior's");
}

template <class Method>
std::function<ReconstructorPtr(const MethodSettings&, const MethodPriors&)> factory(int64_t steps) {
  return [steps](const MethodSettings& s, const MethodPriors& p) -> ReconstructorPtr {
    // A model of fewer diffusion steps than the default runs all of its own.
    return std::make_shared<Method>(
        p.noise_predictor,
        options_for(s, p.noise_predictor ? std::min(steps, p.noise_predictor->steps()) : steps));
  };
}

}  // namespace

// DPS: Chung et al. ran 1000 steps; 250 respaced ancestral steps keep most of the quality.
GENREG_REGISTER_METHOD(dps,
                       MethodInfo{"dps",
                                  "diffusion posterior sampling, ancestral steps with the gradient of "
                                  "||y - A x0(x_t)|| through the network, step 1/lambda (Chung et al. 2023)",
                                  ModelRole::noise_predictor,
                                  {settings::lambda(), settings::samples(), settings::steps(),
                                   large_variance(), settings::clip(), settings::no_box()},
                                  factory<DiffusionPosteriorSampling>(250),
                                  "DPS"});
// DiffPIR: 100 steps (Zhu et al. 2023, section 5), zeta 1 (measured, diffusion_posterior.h).
GENREG_REGISTER_METHOD(diffpir,
                       MethodInfo{"diffpir",
                                  "DiffPIR, the data prox on Tweedie's x0 at every step, weight lambda as "
                                  "pnp-hqs, fresh-noise share zeta (Zhu et al. 2023)",
                                  ModelRole::noise_predictor,
                                  {settings::lambda(), settings::samples(), settings::steps(), zeta(),
                                   settings::clip(), settings::no_box()},
                                  factory<DiffPir>(100),
                                  "DiffPIR"});

// DDRM: 20 steps, eta 0.85, eta_b 1 (Kawar et al. 2022, section 5); no lambda.
GENREG_REGISTER_METHOD(ddrm,
                       MethodInfo{"ddrm",
                                  "DDRM, the DDIM-like chain in the operator's singular basis with the "
                                  "measurement in each component as its noise allows (Kawar et al. 2022; "
                                  "denoise, inpaint, mri)",
                                  ModelRole::noise_predictor,
                                  {settings::samples(), settings::steps(), eta(), settings::clip(),
                                   settings::no_box()},
                                  factory<DenoisingDiffusionRestoration>(20),
                                  "DDRM"});

}  // namespace genreg
