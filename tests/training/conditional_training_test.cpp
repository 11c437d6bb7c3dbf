// The conditional kinds trained end to end by their recipes (run_training: condition statistics,
// steps, monitor, checkpoint) on simulated inpainting pairs: tiny networks on 512 digits beat the
// back-projection they start from on new pairs (measured: postprocess 19.4 dB, pix2pix's mean of 4
// samples 18.5 dB, cfm's 17.1 dB, the back-projection 12.3 dB), the checkpoint records the acquisition, and
// the reconstruction method refuses measurements of another one.
#include <gtest/gtest.h>

#include <sstream>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/models/checkpoint.h"
#include "genreg/models/conditional_unet.h"
#include "genreg/models/model_registry.h"
#include "genreg/operators/make_operator.h"
#include "genreg/solvers/method_registry.h"
#include "genreg/training/trainer.h"
#include "genreg/training/training_run.h"
#include "test_support.h"

namespace genreg {
namespace conditional_training_test {

const SimulatedAcquisition kInpaint{"inpaint:0.5,seed=0", NoiseModel::parse("0.1")};

torch::Tensor digits(const std::string& split, int64_t count) {
  return load_dataset("mnist",
                      DatasetOptions().split(split).range(IndexRange::parse("0:" + std::to_string(count))))
      .images;
}

// Trains a tiny model of `kind` and returns it loaded from its checkpoint, with its run's summary.
std::pair<ModelPtr, TrainingRunSummary> train_tiny(const std::string& kind, const testing::TempDir& dir,
                                                   int64_t epochs) {
  const nlohmann::json description = {
      {"kind", kind},           {"height", 28},       {"width", 28},
      {"features", 8},          {"attention", false}, {"operator", "inpaint:0.5,seed=0"},
      {"noise", "gaussian:0.1"}};
  TrainingRunOptions run;
  run.checkpoint = dir / (kind + ".pt");
  run.log_dir = dir / (kind + "_train");
  std::ostringstream log;
  torch::manual_seed(0);
  const auto summary = run_training(make_model(description)->describe(),
                                    default_train_options(kind).epochs(epochs).batch_size(32).lr(2e-3),
                                    TrainingData(digits("train", 512), kInpaint, 0),
                                    TrainingData(digits("test", 16), kInpaint, 1), run, torch::kCPU, log);
  return {load_model(run.checkpoint, ModelRole::conditional_generator), summary};
}

TEST(ConditionalTraining, TinyModelsBeatTheBackProjectionAndKeepTheirAcquisition) {
  testing::TempDir dir;
  const auto test =
      TrainingData(digits("test", 128), kInpaint, 99).batch(torch::arange(128, torch::kLong), 0);
  const auto op = make_operator(kInpaint.operator_spec, 28, 28);
  const DataFidelity data(op, test.y, 0.1);
  const auto lambda = torch::zeros({128}, torch::kFloat64);
  // The back-projection A^T y: the kept pixels with their noise, zeros elsewhere.
  const double backprojection = psnr(test.condition.clamp(0, 1), test.x).mean().item<double>();
  for (const auto& [kind, epochs, margin] : std::vector<std::tuple<std::string, int64_t, double>>{
           {"postprocess", 6, 6.0}, {"cfm", 6, 4.0}, {"pix2pix", 6, 4.0}}) {
    auto [model, summary] = train_tiny(kind, dir, epochs);
    EXPECT_EQ(model->describe().at("operator"), "inpaint:0.5,seed=0") << kind;
    EXPECT_EQ(model->describe().at("noise"), "gaussian:0.1") << kind;
    // The loss fell over training.
    const auto& history = summary.history;
    const std::string term = kind == "pix2pix" ? "l1" : "mse";
    EXPECT_LT(history.back().at("losses").at(term).get<double>(),
              0.7 * history.front().at("losses").at(term).get<double>())
        << kind;
    MethodPriors priors;
    priors.conditional_generator = std::dynamic_pointer_cast<ConditionalGenerator>(model);
    // Samples per image where the method draws them (postprocess has one output).
    const bool samples = MethodRegistry::instance().at(kind).reads("samples");
    const auto method =
        make_method(kind, samples ? MethodSettings().set("samples", 4) : MethodSettings(), priors);
    const auto r = method->reconstruct(data, lambda);
    const double value = psnr(r.x, test.x).mean().item<double>();
    EXPECT_GT(value, backprojection + margin) << kind << ": " << value << " dB against " << backprojection;
    EXPECT_EQ(r.samples.defined(), kind != "postprocess");
    // Measurements of another mask are refused, and accepted when the shift is allowed.
    const auto other = make_operator("inpaint:0.5,seed=1", 28, 28);
    const DataFidelity shifted(other, other->apply(test.x), 0.1);
    EXPECT_THROW(method->reconstruct(shifted, lambda), Error) << kind;
    const auto shift = MethodSettings().set("allow_operator_shift", true);
    EXPECT_NO_THROW(make_method(kind, samples ? MethodSettings(shift).set("samples", 2) : shift, priors)
                        ->reconstruct(shifted, lambda))
        << kind;
  }
}

TEST(ConditionalTraining, FbpConditionedPostProcessingBeatsFbpOnLowDoseCt) {
  // FBPConvNet's recipe in miniature: a post-processing U-Net on the FBP of low-dose CT data of
  // 32-pixel phantoms (20 views, sparse-view as in FBPConvNet, and a tenth of LoDoPaB's dose, N0 = 300)
  // improves on the FBP it sees.
  testing::TempDir dir;
  const SimulatedAcquisition acquisition{"ct:parallel,views=20", NoiseModel::parse("ct:300")};
  auto phantoms = [](const std::string& split, int64_t count) {
    return load_dataset("ct-phantom", DatasetOptions()
                                          .split(split)
                                          .range(IndexRange::parse("0:" + std::to_string(count)))
                                          .image_size({32, 32}))
        .images;
  };
  const nlohmann::json description = {{"kind", "postprocess"}, {"height", 32},
                                      {"width", 32},           {"features", 8},
                                      {"attention", false},    {"operator", "ct:parallel,views=20"},
                                      {"noise", "ct:300"},     {"condition", "fbp"}};
  TrainingRunOptions run;
  run.checkpoint = dir / "fbpconvnet.pt";
  run.log_dir = dir / "fbpconvnet_train";
  std::ostringstream log;
  torch::manual_seed(0);
  run_training(make_model(description)->describe(),
               default_train_options("postprocess").epochs(10).batch_size(32).lr(2e-3),
               TrainingData(phantoms("train", 512), acquisition, 0),
               TrainingData(phantoms("test", 16), acquisition, 1), run, torch::kCPU, log);
  const auto model = load_model(run.checkpoint, ModelRole::conditional_generator);
  EXPECT_EQ(model->describe().at("condition"), "fbp");
  const auto test =
      TrainingData(phantoms("test", 64), acquisition, 99).batch(torch::arange(64, torch::kLong), 0);
  const auto op = make_operator(acquisition.operator_spec, 32, 32);
  const auto fbp = std::dynamic_pointer_cast<ConditionalGenerator>(model)->condition(op, test.y, 1.0);
  const double fbp_psnr = psnr(fbp.clamp(0, 1), test.x).mean().item<double>();
  MethodPriors priors;
  priors.conditional_generator = std::dynamic_pointer_cast<ConditionalGenerator>(model);
  const DataFidelity data(op, test.y, 1.0, noise_weights(acquisition.noise, test.y));
  const auto x =
      make_method("postprocess", {}, priors)->reconstruct(data, torch::zeros({64}, torch::kFloat64)).x;
  EXPECT_GT(psnr(x, test.x).mean().item<double>(), fbp_psnr + 1.0) << "FBP " << fbp_psnr;
  // Its condition needs CT data.
  const auto blur = make_operator("blur:gauss5", 32, 32);
  EXPECT_THROW(std::dynamic_pointer_cast<ConditionalGenerator>(model)->condition(blur, test.x, 0.1), Error);
}

TEST(ConditionalTraining, DescriptionsWithoutAnAcquisitionAreRefused) {
  EXPECT_THROW(make_model({{"kind", "cfm"}, {"height", 28}, {"width", 28}}), Error);
  EXPECT_THROW(make_model({{"kind", "postprocess"},
                           {"height", 28},
                           {"width", 28},
                           {"operator", "denoise"},
                           {"noise", "gaussian:0.1"},
                           {"features", 6}}),
               Error);  // not a multiple of 4
}

}  // namespace conditional_training_test
}  // namespace genreg
