#include "genreg/solvers/conditional_sampling.h"

#include <chrono>
#include <cmath>

#include "genreg/core/error.h"
#include "genreg/models/flow_sampling.h"
#include "genreg/models/model.h"
#include "genreg/operators/noise.h"

namespace genreg {

ConditionalSampling::ConditionalSampling(ConditionalGeneratorPtr model, ConditionalSamplingOptions options,
                                         std::string name)
    : model_(std::move(model)), options_(std::move(options)), name_(std::move(name)) {
  require(static_cast<bool>(model_), name_, " needs a conditional model");
  require(options_.samples() >= 1 && options_.samples() <= 10000,
          "samples per image must be in 1..10000, got ", options_.samples());
  require(options_.steps() >= 0 && options_.steps() <= 100000, "ODE steps must be in 1..100000, got ",
          options_.steps());
  parse_ode_solver(options_.solver());
  require(options_.batch() >= 0, "the sampling batch must not be negative");
}

int64_t ConditionalSampling::samples_per_image() const {
  return model_->latent_shape().empty() ? 1 : options_.samples();
}

void ConditionalSampling::check_acquisition(const DataFidelity& data) const {
  if (const auto* model = dynamic_cast<const Model*>(model_.get())) {
    const auto shape = data.op()->domain_shape();
    const auto size = model->image_size();
    require(shape.size() >= 2 && shape[shape.size() - 2] == size[0] && shape[shape.size() - 1] == size[1],
            name_, "'s model was trained on ", size[0], "x", size[1], " images, not on images of ",
            c10::IntArrayRef(shape));
  }
  if (options_.allow_operator_shift()) return;
  const auto trained = NoiseModel::parse(model_->noise());
  const bool same_operator = data.op()->spec() == model_->operator_spec();
  bool same_noise = false;
  std::string given = "sigma " + std::to_string(data.sigma());
  if (trained.kind == NoiseModel::Kind::gaussian) {
    same_noise =
        !data.has_weights() && std::abs(trained.sigma - data.sigma()) <= 1e-9 * std::max(1.0, trained.sigma);
  } else if (trained.kind == NoiseModel::Kind::beer_lambert && data.has_weights()) {
    // The weights are N0 exp(-mu_max y) mu_max^2 (noise_weights): they give back the dose N0.
    const auto dose = noise_weights(NoiseModel::parse("ct:1"), data.y());
    const double n0 = (data.weights().to(torch::kFloat64) / dose.to(torch::kFloat64)).mean().item<double>();
    same_noise = std::abs(n0 - trained.photons) <= 1e-6 * trained.photons;
    given = "CT photon noise of N0 " + std::to_string(n0);
  }
  require(same_operator && same_noise, name_, "'s model was trained on measurements of ",
          model_->operator_spec(), " with noise ", model_->noise(), ", not of ", data.op()->spec(), " with ",
          given, "; --allow-operator-shift uses it anyway");
}

torch::Tensor ConditionalSampling::solve(const DataFidelity& data, const torch::Tensor& lambda,
                                         SolverSummary* summary, const IterationCallback& callback) const {
  return reconstruct(data, lambda, summary, callback).x;
}

Reconstruction ConditionalSampling::reconstruct(const DataFidelity& data, const torch::Tensor& lambda,
                                                SolverSummary* summary, const IterationCallback&) const {
  const auto start = std::chrono::steady_clock::now();
  const int64_t b = data.y().size(0);
  require(lambda.numel() == b, name_, " needs one lambda per image (unused), got ", lambda.numel(), " for ",
          b);
  check_acquisition(data);
  torch::NoGradGuard no_grad;
  const auto condition = model_->condition(data.op(), data.y(), data.sigma());
  const auto options = GenerationOptions().steps(options_.steps()).solver(options_.solver());
  auto out = reconstruction_from_samples(
      sample_conditional(*model_, condition, options_.samples(), options, options_.seed(), options_.batch())
          .to(data.y().device(), torch::kFloat32),
      data);
  if (out.samples.size(1) == 1) {  // one output: no samples, no spread
    out.samples = torch::Tensor();
    out.std = torch::Tensor();
  }
  if (summary) {
    SolverSummary s;
    s.objective = out.objective.view({b});
    s.iterations = torch::full({b}, std::max<int64_t>(1, options_.steps()), torch::kLong);
    s.status = torch::full({b}, static_cast<int64_t>(SampleStatus::converged), torch::kLong);
    s.evaluations = 0;
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *summary = std::move(s);
  }
  return out;
}

}  // namespace genreg
