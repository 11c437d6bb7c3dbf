// The classical baselines registered as methods "tikhonov" and "tv".
#include "genreg/solvers/classical_methods.h"

#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace {

ReconstructorPtr make_tikhonov(const MethodSettings& s, const MethodPriors&) {
  ConjugateGradientOptions o;
  o.max_iterations(s.get<int64_t>("iterations", o.max_iterations()));
  o.tolerance(s.get<double>("tolerance", o.tolerance()));
  return std::make_shared<TikhonovReconstructor>(o);
}

ReconstructorPtr make_tv(const MethodSettings& s, const MethodPriors&) {
  PdhgOptions o;
  o.max_iterations(s.get<int64_t>("iterations", o.max_iterations()));
  o.tolerance(s.get<double>("tolerance", o.tolerance()));
  o.box(!s.get<bool>("no_box", false));
  return std::make_shared<TvReconstructor>(o);
}

}  // namespace

GENREG_REGISTER_METHOD(tikhonov,
                       MethodInfo{"tikhonov",
                                  "min D(x) + lambda ||x||^2 (conjugate gradients)",
                                  std::nullopt,
                                  {settings::lambda(), settings::iterations(), settings::tolerance()},
                                  make_tikhonov,
                                  "Tikhonov"});
GENREG_REGISTER_METHOD(tv, MethodInfo{"tv",
                                      "min D(x) + lambda TV(x) over [0, 1] images (Chambolle-Pock PDHG)",
                                      std::nullopt,
                                      {settings::lambda(), settings::iterations(), settings::tolerance(),
                                       settings::no_box()},
                                      make_tv,
                                      "TV"});

}  // namespace genreg
