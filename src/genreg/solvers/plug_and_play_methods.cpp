// The plug-and-play methods (plug_and_play.h) registered as pnp-hqs, pnp-admm, pnp-fista and red, and
// the denoiser applied once ("denoiser", for denoise measurements).
#include <chrono>

#include "genreg/core/error.h"
#include "genreg/solvers/method_registry.h"
#include "genreg/solvers/plug_and_play.h"

namespace genreg {
namespace {

// Budgets: DPIR's K = 8 schedule steps; the fixed-strength iterations until a relative change of 1e-4.
PlugAndPlayOptions options_for(const MethodSettings& s, int64_t default_iterations) {
  PlugAndPlayOptions o;
  o.max_iterations(s.get<int64_t>("iterations", default_iterations));
  o.tolerance(s.get<double>("tolerance", o.tolerance()));
  o.denoiser_sigma(s.get<double>("denoiser_sigma", 0.0));
  o.box(!s.get<bool>("no_box", false));
  return o;
}

template <class Method>
std::function<ReconstructorPtr(const MethodSettings&, const MethodPriors&)> factory(int64_t iterations) {
  return [iterations](const MethodSettings& s, const MethodPriors& p) -> ReconstructorPtr {
    return std::make_shared<Method>(p.denoiser, options_for(s, iterations));
  };
}

// x = D_sigma(A^T y) at the measurement's noise level: denoising as a method, so that reconstruct,
// the parameter-free reports and the denoising table treat it like any other.
class DenoiserOnce : public PlugAndPlayReconstructor {
 public:
  using PlugAndPlayReconstructor::PlugAndPlayReconstructor;
  std::string name() const override { return "denoiser"; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary,
                      const IterationCallback& callback) const override {
    const auto start = std::chrono::steady_clock::now();
    require(data.op()->spec().rfind("denoise", 0) == 0,
            "method denoiser applies the denoiser to denoise measurements only, not to ", data.op()->spec(),
            " (use pnp-hqs, pnp-admm, pnp-fista or red)");
    const int64_t batch = data.y().size(0);
    const auto x =
        denoise(data.op()->adjoint(data.y()), torch::full({batch}, strength(data.sigma()), torch::kFloat64));
    if (callback) callback(1, x, data.value(x));
    if (summary) {
      SolverSummary local;
      local.objective = data.value(x).to(torch::kCPU, torch::kFloat64);
      local.iterations = torch::ones({batch}, torch::kLong);
      local.status = torch::full({batch}, static_cast<int64_t>(SampleStatus::converged), torch::kLong);
      local.evaluations = 1;
      local.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      *summary = std::move(local);
    }
    (void)lambda;
    return x;
  }
};

}  // namespace

GENREG_REGISTER_METHOD(
    pnp_hqs,
    MethodInfo{"pnp-hqs",
               "half-quadratic splitting with a denoiser, DPIR's schedule of K noise levels "
               "from --denoiser-sigma (0.2) down to the measurement's (Zhang et al. 2021)",
               ModelRole::denoiser,
               {settings::lambda(), settings::iterations(), settings::denoiser_sigma(), settings::no_box()},
               factory<PnpHqs>(8),
               "PnP-HQS"});
GENREG_REGISTER_METHOD(pnp_admm,
                       MethodInfo{
                           "pnp-admm",
                           "ADMM with a denoiser of fixed strength --denoiser-sigma (default: "
                           "the measurement's sigma) as the prior's prox (Venkatakrishnan et al. 2013)",
                           ModelRole::denoiser,
                           {settings::lambda(), settings::iterations(), settings::tolerance(),
                            settings::denoiser_sigma(), settings::no_box()},
                           factory<PnpAdmm>(100),
                           "PnP-ADMM"});
GENREG_REGISTER_METHOD(pnp_fista,
                       MethodInfo{"pnp-fista",
                                  "accelerated proximal gradient with the denoiser as the prox, strength "
                                  "sqrt(lambda) sigma / ||A|| (Beck & Teboulle 2009; Kamilov et al. 2017)",
                                  ModelRole::denoiser,
                                  {settings::lambda(), settings::iterations(), settings::tolerance(),
                                   settings::no_box()},
                                  factory<PnpFista>(100),
                                  "PnP-FISTA"});
GENREG_REGISTER_METHOD(red, MethodInfo{
                                "red",
                                "regularisation by denoising, min D(x) + lambda/2 <x, x - D(x)>, fixed-point "
                                "iteration (Romano et al. 2017)",
                                ModelRole::denoiser,
                                {settings::lambda(), settings::iterations(), settings::tolerance(),
                                 settings::denoiser_sigma(), settings::no_box()},
                                factory<RegularisationByDenoising>(100),
                                "RED"});
GENREG_REGISTER_METHOD(denoiser,
                       MethodInfo{"denoiser",
                                  "the denoiser applied once to denoise measurements at their noise level "
                                  "(or --denoiser-sigma)",
                                  ModelRole::denoiser,
                                  {settings::denoiser_sigma(), settings::no_box()},
                                  factory<DenoiserOnce>(1),
                                  "denoiser"});

}  // namespace genreg
