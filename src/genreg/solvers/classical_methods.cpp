// The classical baselines registered as methods "tikhonov" and "tv".
#include "genreg/solvers/classical_methods.h"

#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace {

ReconstructorPtr make_tikhonov(const MethodSettings& s, const MethodPriors&) {
  ConjugateGradientOptions o;
  if (s.iterations() > 0) o.max_iterations(s.iterations());
  if (s.tolerance() > 0) o.tolerance(s.tolerance());
  return std::make_shared<TikhonovReconstructor>(o);
}

ReconstructorPtr make_tv(const MethodSettings& s, const MethodPriors&) {
  PdhgOptions o;
  if (s.iterations() > 0) o.max_iterations(s.iterations());
  if (s.tolerance() > 0) o.tolerance(s.tolerance());
  o.box(s.box());
  return std::make_shared<TvReconstructor>(o);
}

}  // namespace

GENREG_REGISTER_METHOD(tikhonov, MethodInfo{"tikhonov",
                                            "min D(x) + lambda ||x||^2 (conjugate gradients)",
                                            std::nullopt,
                                            {"lambda", "iterations", "tolerance"},
                                            make_tikhonov,
                                            "Tikhonov"});
GENREG_REGISTER_METHOD(tv, MethodInfo{"tv",
                                      "min D(x) + lambda TV(x) over [0, 1] images (Chambolle-Pock PDHG)",
                                      std::nullopt,
                                      {"lambda", "iterations", "tolerance", "no_box"},
                                      make_tv,
                                      "TV"});

}  // namespace genreg
