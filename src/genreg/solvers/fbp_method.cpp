// "fbp": filtered back-projection as a reconstruction method (operators/filtered_back_projection.h)
// for the physical CT operators (`ct:parallel`, `ct:fan`). No regularisation parameter: the
// filter's window and cut-off play its part, and the cut-off can be searched on validation images
// like any searchable setting.
#include "genreg/core/error.h"
#include "genreg/operators/ct_ray_transform.h"
#include "genreg/operators/filtered_back_projection.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace {

class FbpReconstructor : public Reconstructor {
 public:
  explicit FbpReconstructor(FbpOptions options) : options_(options) {}
  std::string name() const override { return "fbp"; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor&, SolverSummary* summary,
                      const IterationCallback&) const override {
    const auto ct = std::dynamic_pointer_cast<const CtRayTransform>(data.op());
    require(ct != nullptr, "fbp reconstructs CT data (operators ct:parallel and ct:fan), not '",
            data.op()->spec(), "'");
    const FilteredBackProjection fbp(ct, options_);
    auto x = fbp.reconstruct(data.y());
    if (summary != nullptr) {
      const int64_t b = x.size(0);
      SolverSummary s;
      s.objective = data.value(x).to(torch::kCPU, torch::kFloat64).view({b});
      s.iterations = torch::ones({b}, torch::kLong);
      s.status = torch::full({b}, static_cast<int64_t>(SampleStatus::converged), torch::kLong);
      *summary = std::move(s);
    }
    return x;
  }

 private:
  FbpOptions options_;
};

SettingSpec filter_setting() {
  return SettingSpec::choice("filter", "FBP filter: the ramp alone or times a window (default ramp)",
                             {"ramp", "shepp-logan", "cosine", "hann"});
}
SettingSpec cutoff_setting() {
  return SettingSpec::real("cutoff", "FBP frequency cut-off, a fraction of the Nyquist frequency (default 1)",
                           0.0, 1.0)
      .above(0.0)
      .search();
}

SettingSpec back_projector_setting() {
  return SettingSpec::choice(
      "back_projector",
      "FBP back-projection: pixel (pixel-driven, linear interpolation; the default) or joseph "
      "(the adjoint of Joseph's projector, as ASTRA's FBP; parallel beams)",
      {"pixel", "joseph"});
}

ReconstructorPtr make_fbp(const MethodSettings& s, const MethodPriors&) {
  FbpOptions o;
  o.filter(parse_fbp_filter(s.get<std::string>("filter", "ramp")));
  o.cutoff(s.get<double>("cutoff", o.cutoff()));
  o.back_projector(parse_fbp_back_projector(s.get<std::string>("back_projector", "pixel")));
  return std::make_shared<FbpReconstructor>(o);
}

}  // namespace

GENREG_REGISTER_METHOD(fbp, MethodInfo{"fbp",
                                       "filtered back-projection of CT data: ramp filter with an optional "
                                       "window and cut-off, fan-beam and Parker weights (Kak & Slaney 1988)",
                                       std::nullopt,
                                       {filter_setting(), cutoff_setting(), back_projector_setting()},
                                       make_fbp,
                                       "FBP"});

}  // namespace genreg
