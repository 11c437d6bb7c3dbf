#include "genreg/models/conditional_unet.h"

#include "genreg/core/error.h"
#include "genreg/models/flow_sampling.h"
#include "genreg/models/layers.h"
#include "genreg/models/model_registry.h"
#include "genreg/models/noise_predictor.h"
#include "genreg/operators/ct_ray_transform.h"
#include "genreg/operators/filtered_back_projection.h"

namespace genreg {

nlohmann::json ConditionalUnetConfig::to_json() const {
  nlohmann::json j = {{"kind", kind},         {"height", height},       {"width", width},
                      {"features", features}, {"attention", attention}, {"operator", operator_spec},
                      {"noise", noise}};
  if (flow()) j["steps"] = steps;
  if (condition != "backprojection") j["condition"] = condition;
  return j;
}

ConditionalUnetConfig ConditionalUnetConfig::from_json(const nlohmann::json& json) {
  ConditionalUnetConfig c;
  try {
    c.kind = json.at("kind").get<std::string>();
    c.height = json.at("height").get<int64_t>();
    c.width = json.at("width").get<int64_t>();
    c.features = json.value("features", c.features);
    c.attention = json.value("attention", c.attention);
    c.operator_spec = json.at("operator").get<std::string>();
    c.noise = json.at("noise").get<std::string>();
    c.steps = json.value("steps", c.steps);
    c.condition = json.value("condition", c.condition);
  } catch (const nlohmann::json::exception& e) {
    fail("conditional model description is incomplete (it needs its operator and noise): ", e.what());
  }
  c.validate();
  return c;
}

void ConditionalUnetConfig::validate() const {
  require(kind == "cfm" || kind == "postprocess" || kind == "pix2pix",
          "a conditional U-Net is cfm, postprocess or pix2pix, not ", kind);
  require(height >= 1 && width >= 1, kind, " images must have a size, got ", height, "x", width);
  require(features >= 4 && features <= 512 && features % 4 == 0, kind,
          " features must be a multiple of 4 in 4..512, got ", features);
  require(!operator_spec.empty() && !noise.empty(), kind,
          " is trained for one acquisition: its operator and noise must be given");
  require(steps >= 1 && steps <= 100000, kind, " ODE steps must be in 1..100000, got ", steps);
  require(condition == "backprojection" || condition == "lmmse" || condition == "fbp", kind,
          " sees measurements through backprojection, lmmse or fbp, not ", condition);
}

ConditionalUnet::ConditionalUnet(const ConditionalUnetConfig& config) : config_(config) {
  config_.validate();
  const int64_t inputs = config_.has_latent() ? 2 : 1;
  network_ = register_module("network", DiffusionUnet(config_.features, config_.attention, inputs));
  average_ = register_module("average", DiffusionUnet(config_.features, config_.attention, inputs));
  start_moving_average(*average_, *network_);
  if (config_.adversarial()) {
    // PatchGAN (Isola et al. 2017, appendix 6.1.2) at our scale: C64-C128-output with 4x4 kernels,
    // GroupNorm in place of BatchNorm (per-sample, as every genreg network), LeakyReLU 0.2.
    const int64_t f = config_.features;
    namespace nn = torch::nn;
    critic_ = register_module(
        "critic", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(2, f, 4).stride(2).padding(1)),
                                 nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
                                 nn::Conv2d(nn::Conv2dOptions(f, 2 * f, 4).stride(2).padding(1)),
                                 nn::GroupNorm(group_count(2 * f), 2 * f),
                                 nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
                                 nn::Conv2d(nn::Conv2dOptions(2 * f, 1, 4).stride(1).padding(1))));
  }
  condition_mean_ = register_buffer("condition_mean", torch::zeros({}));
  condition_std_ = register_buffer("condition_std", torch::ones({}));
  average_updates_ = register_buffer("average_updates", torch::zeros({}, torch::kLong));
  if (config_.condition == "lmmse") {
    const int64_t n = config_.height * config_.width;
    data_mean_ = register_buffer("data_mean", torch::zeros({n}));
    data_covariance_ = register_buffer("data_covariance", torch::eye(n));
  }
}

void ConditionalUnet::move_to(torch::Device device) {
  to(device);
  device_ = device;
}

void ConditionalUnet::set_trainable(bool trainable) {
  for (auto& p : network_->parameters()) p.set_requires_grad(trainable);
  for (auto& p : average_->parameters()) p.set_requires_grad(false);
  if (critic_)
    for (auto& p : critic_->parameters()) p.set_requires_grad(trainable);
}

std::vector<int64_t> ConditionalUnet::latent_shape() const {
  if (config_.has_latent()) return {1, config_.height, config_.width};
  return {};
}

void ConditionalUnet::set_condition_statistics(const torch::Tensor& conditions) {
  require(conditions.defined() && conditions.numel() >= 2, "condition statistics need conditions");
  torch::NoGradGuard no_grad;
  const auto c = conditions.to(torch::kFloat32);
  condition_mean_.copy_(c.mean());
  condition_std_.copy_(c.std().clamp_min(1e-8));
}

torch::Tensor ConditionalUnet::forward(const torch::Tensor& latent, const torch::Tensor& t,
                                       const torch::Tensor& condition, bool average) {
  require(condition.dim() == 4 && condition.size(1) == 1 && condition.size(2) == config_.height &&
              condition.size(3) == config_.width,
          config_.kind, " takes conditions (B, 1, ", config_.height, ", ", config_.width, "), got ",
          condition.sizes());
  const int64_t b = condition.size(0);
  const auto c = (condition.to(device_, torch::kFloat32) - condition_mean_) / condition_std_;
  torch::Tensor input = c, steps = torch::zeros({b}, torch::kFloat32);
  if (config_.has_latent()) {
    require(latent.defined() && latent.sizes() == condition.sizes(), config_.kind,
            " takes a latent image of the condition's shape, got ",
            latent.defined() ? latent.sizes() : c10::IntArrayRef{});
    input = torch::cat({latent.to(device_, torch::kFloat32), c}, 1);
  }
  if (config_.flow()) {
    require(t.dim() == 1 && t.size(0) == b, "cfm needs one time per image, got ", t.sizes());
    steps = 1000.0 * t.to(torch::kFloat32);  // the embedding's frequencies suit 0 .. 1000
  }
  const auto padded = pad_to_multiple(input, 4);
  return padded.crop((average ? average_ : network_)->forward(padded.padded, steps.to(device_)));
}

torch::Tensor ConditionalUnet::generate(const torch::Tensor& z, const torch::Tensor& condition,
                                        const GenerationOptions& options) {
  const auto none = torch::Tensor();
  if (!config_.flow())
    return to_image_space(forward(config_.adversarial() ? z : none, none, condition, true)).clamp(0.0, 1.0);
  require(z.defined() && z.dim() == 4 && z.size(0) == condition.size(0), "cfm needs one z per condition");
  const auto solver = parse_ode_solver(options.solver());
  const int64_t steps = options.steps() > 0 ? options.steps() : config_.steps;
  const int64_t b = condition.size(0);
  const auto cond = condition.to(device_, torch::kFloat32);
  const auto velocity = [&](const torch::Tensor& x, double t) {
    return forward(x, torch::full({b}, t, torch::kFloat32), cond, true);
  };
  return to_image_space(integrate_flow(velocity, z.to(device_, torch::kFloat32), steps, solver))
      .clamp(0.0, 1.0);
}

torch::Tensor ConditionalUnet::criticise(const torch::Tensor& x, const torch::Tensor& condition) {
  require(static_cast<bool>(critic_), config_.kind, " has no critic");
  const auto c = (condition.to(device_, torch::kFloat32) - condition_mean_) / condition_std_;
  return critic_->forward(torch::cat({c, x.to(device_, torch::kFloat32)}, 1));
}

void ConditionalUnet::set_data_statistics(const torch::Tensor& images) {
  require(config_.condition == "lmmse", config_.kind, " keeps no data statistics (its condition is ",
          config_.condition, ")");
  const auto [mean, covariance] = image_moments(images);
  torch::NoGradGuard no_grad;
  data_mean_.copy_(mean);
  data_covariance_.copy_(covariance);
  estimators_.clear();
}

torch::Tensor ConditionalUnet::condition(const OperatorPtr& op, const torch::Tensor& y, double sigma) {
  if (config_.condition == "backprojection") return op->adjoint(y);
  if (config_.condition == "fbp") {
    const auto ct = std::dynamic_pointer_cast<const CtRayTransform>(op);
    require(ct != nullptr, config_.kind, "'s fbp condition needs CT data (ct:parallel, ct:fan), not ",
            op->spec());
    return FilteredBackProjection(ct).reconstruct(y);
  }
  require(sigma > 0, config_.kind, "'s Wiener condition needs Gaussian noise");
  auto& estimator = estimators_[{op->spec(), sigma}];
  if (!estimator) estimator = std::make_shared<LinearMmseEstimator>(data_mean_, data_covariance_, op, sigma);
  return estimator->estimate(y);
}

void ConditionalUnet::update_average(double decay) {
  const double n = static_cast<double>(average_updates_.item<int64_t>());
  update_moving_average(*average_, *network_, warmed_up_decay(decay, n));
  torch::NoGradGuard no_grad;
  average_updates_.add_(1);
}

namespace {

ModelPtr make_conditional_unet(const nlohmann::json& description) {
  return std::make_shared<ConditionalUnet>(ConditionalUnetConfig::from_json(description));
}

}  // namespace

GENREG_REGISTER_MODEL_KIND(cfm, ModelKindInfo{"cfm", ModelRole::conditional_generator,
                                              "conditional flow matching (Lipman et al. 2023): a U-Net "
                                              "velocity field v(x_t, t, A^T y) on rectified-flow paths",
                                              make_conditional_unet});
GENREG_REGISTER_MODEL_KIND(postprocess,
                           ModelKindInfo{"postprocess", ModelRole::conditional_generator,
                                         "post-processing U-Net from A^T y to x by mean squared error "
                                         "(FBPConvNet, Jin et al. 2017)",
                                         make_conditional_unet});
GENREG_REGISTER_MODEL_KIND(pix2pix,
                           ModelKindInfo{
                               "pix2pix", ModelRole::conditional_generator,
                               "conditional GAN (Isola et al. 2017): U-Net generator from (z, A^T y), "
                               "PatchGAN critic, adversarial + L1 loss",
                               make_conditional_unet});

}  // namespace genreg
