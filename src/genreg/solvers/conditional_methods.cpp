// The conditional models' reconstruction methods (conditional_sampling.h): cfm samples, pix2pix
// and postprocess outputs, each from a model of its own kind.
#include "genreg/models/model.h"
#include "genreg/solvers/conditional_sampling.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace {

std::function<ReconstructorPtr(const MethodSettings&, const MethodPriors&)> conditional_factory(
    const std::string& name) {
  return [name](const MethodSettings& s, const MethodPriors& p) -> ReconstructorPtr {
    const auto* model = dynamic_cast<const Model*>(p.conditional_generator.get());
    // A TorchScript model serves the kind it was exported from (Model::served_kind).
    require(model == nullptr || model->served_kind() == name, name, " needs a ", name, " model, not a ",
            model == nullptr ? std::string() : model->served_kind());
    return std::make_shared<ConditionalSampling>(
        p.conditional_generator,
        ConditionalSamplingOptions()
            .samples(s.get<int64_t>("samples", 8))
            .steps(s.get<int64_t>("steps", 0))
            .solver(s.get<std::string>("solver", "heun"))
            .seed(s.seed())
            .allow_operator_shift(s.get<bool>("allow_operator_shift", false)),
        name);
  };
}

// cfm's ODE solver (models/flow_sampling.h), declared here: no other method reads it.
SettingSpec solver() {
  return SettingSpec::choice("solver", "the ODE solver of the flow (default heun)", {"euler", "heun"});
}

}  // namespace

GENREG_REGISTER_METHOD(cfm,
                       MethodInfo{"cfm",
                                  "conditional flow matching: K samples of p(x | y) by integrating the "
                                  "learned ODE from noise, trained for one acquisition (Lipman et al. 2023)",
                                  ModelRole::conditional_generator,
                                  {settings::samples(), settings::steps(), solver(),
                                   settings::allow_operator_shift()},
                                  conditional_factory("cfm"),
                                  "CFM"});
GENREG_REGISTER_METHOD(pix2pix, MethodInfo{"pix2pix",
                                           "conditional GAN: K samples G(z, A^T y) of a U-Net trained with a "
                                           "PatchGAN critic and L1 for one acquisition (Isola et al. 2017)",
                                           ModelRole::conditional_generator,
                                           {settings::samples(), settings::allow_operator_shift()},
                                           conditional_factory("pix2pix"),
                                           "pix2pix"});
GENREG_REGISTER_METHOD(postprocess,
                       MethodInfo{"postprocess",
                                  "a U-Net from A^T y to x trained by mean squared error for one acquisition "
                                  "(FBPConvNet, Jin et al. 2017)",
                                  ModelRole::conditional_generator,
                                  {settings::allow_operator_shift()},
                                  conditional_factory("postprocess"),
                                  "post-processing U-Net"});

}  // namespace genreg
