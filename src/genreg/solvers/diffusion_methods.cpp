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
  o.steps(s.steps() > 0 ? s.steps() : default_steps);
  o.samples(s.samples() > 0 ? s.samples() : 8);
  if (s.zeta() >= 0) o.zeta(s.zeta());
  if (s.eta() >= 0) o.eta(s.eta());
  o.seed(s.seed());
  o.large_variance(s.large_variance());
  o.clip(s.clip());
  o.box(s.box());
  return o;
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
                                  {"lambda", "samples", "steps", "large_variance", "clip", "no_box"},
                                  factory<DiffusionPosteriorSampling>(250),
                                  "DPS"});
// DiffPIR: 100 steps (Zhu et al. 2023, section 5), zeta 1 (measured, diffusion_posterior.h).
GENREG_REGISTER_METHOD(diffpir,
                       MethodInfo{"diffpir",
                                  "DiffPIR, the data prox on Tweedie's x0 at every step, weight lambda as "
                                  "pnp-hqs, fresh-noise share zeta (Zhu et al. 2023)",
                                  ModelRole::noise_predictor,
                                  {"lambda", "samples", "steps", "zeta", "clip", "no_box"},
                                  factory<DiffPir>(100),
                                  "DiffPIR"});

// DDRM: 20 steps, eta 0.85, eta_b 1 (Kawar et al. 2022, section 5); no lambda.
GENREG_REGISTER_METHOD(ddrm,
                       MethodInfo{"ddrm",
                                  "DDRM, the DDIM-like chain in the operator's singular basis with the "
                                  "measurement in each component as its noise allows (Kawar et al. 2022; "
                                  "denoise, inpaint, mri)",
                                  ModelRole::noise_predictor,
                                  {"samples", "steps", "eta", "clip", "no_box"},
                                  factory<DenoisingDiffusionRestoration>(20),
                                  "DDRM"});

}  // namespace genreg
