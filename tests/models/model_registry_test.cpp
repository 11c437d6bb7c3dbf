// Model kinds found by name: every registered kind builds from its own description, has a training
// recipe, and round-trips through a checkpoint; unknown kinds and checkpoints of the first format
// (the committed models) load or fail clearly.
#include "genreg/models/model_registry.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/core/source_dir.h"
#include "genreg/models/checkpoint.h"
#include "genreg/training/trainer.h"
#include "test_support.h"

namespace genreg {
namespace {

nlohmann::json tiny_description(const std::string& kind) {
  if (ModelRegistry::instance().at(kind).role == ModelRole::denoiser) {
    nlohmann::json d = {{"kind", kind},  {"height", 16},      {"width", 16},      {"depth", 3},
                        {"features", 4}, {"noise_low", 0.05}, {"noise_high", 0.1}};
    if (kind == "drunet") d["bias_free"] = false;
    return d;
  }
  if (ModelRegistry::instance().at(kind).role == ModelRole::noise_predictor)
    return {{"kind", kind},
            {"height", 16},
            {"width", 16},
            {"features", 4},
            {"attention", false},
            {"schedule", {{"kind", "linear"}, {"steps", 50}, {"beta_start", 1e-4}, {"beta_end", 0.02}}}};
  if (ModelRegistry::instance().at(kind).role == ModelRole::conditional_generator) {
    nlohmann::json d = {{"kind", kind},           {"height", 16},       {"width", 16},
                        {"features", 4},          {"attention", false}, {"operator", "inpaint:0.5,seed=0"},
                        {"noise", "gaussian:0.1"}};
    if (kind == "cfm") d["steps"] = 10;
    return d;
  }
  return {{"kind", kind}, {"arch", "paper"}, {"height", 16},
          {"width", 16},  {"latent_dim", 3}, {"channels", 4}};
}

TEST(ModelRegistry, EveryKindBuildsFromItsDescriptionAndHasARecipe) {
  const auto names = ModelRegistry::instance().names();
  EXPECT_EQ(names, (std::vector<std::string>{"ae", "cfm", "ddpm", "dncnn", "drunet", "gan", "gan-hinge",
                                             "pix2pix", "postprocess", "vae", "wgan-gp"}));
  for (const auto& name : names) {
    const auto model = make_model(tiny_description(name));
    EXPECT_EQ(model->kind_name(), name);
    EXPECT_EQ(model->role(), ModelRegistry::instance().at(name).role);
    EXPECT_EQ(model->describe(), tiny_description(name));
    EXPECT_GT(default_epochs(name), 0) << name;
    // The recipe's step trains the model: one epoch changes its weights.
    torch::manual_seed(0);
    std::map<std::string, torch::Tensor> before;
    for (const auto& [key, t] : model_state(*model)) before[key] = t.clone();  // the state shares storage
    Trainer trainer(model, default_train_options(name).batch_size(8).epochs(1).critic_steps(1));
    const auto images = torch::rand({16, 1, 16, 16});
    if (model->role() == ModelRole::conditional_generator)
      trainer.train_epoch(TrainingData(images, {"inpaint:0.5", NoiseModel::parse("0.1")}, 0), 0);
    else
      trainer.train_epoch(images, 0);
    const auto after = model_state(*model);
    bool changed = false;
    for (const auto& [key, t] : before) changed = changed || !torch::equal(t, after.at(key));
    EXPECT_TRUE(changed) << name;
  }
}

TEST(ModelRegistry, UnknownKindsAreClearErrors) {
  try {
    make_model(tiny_description("diffusion"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("unknown model kind 'diffusion' (use ae, cfm, ddpm, dncnn, drunet, gan"),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(make_model({{"arch", "paper"}}), Error);
}

TEST(ModelRegistry, CommittedCheckpointsOfTheFirstFormatLoadAsGenerators) {
  // docs/models/ holds checkpoints written before the model registry ("genreg-generator-1").
  for (const std::string kind : {"ae", "vae", "wgan-gp"}) {
    const std::string path = std::string(GENREG_SOURCE_DIR) + "/docs/models/shapes/" + kind + ".pt";
    const auto model = load_model(path);
    EXPECT_EQ(model->kind_name(), kind);
    EXPECT_EQ(model->role(), ModelRole::generator);
    const auto generator = load_generator(path);
    EXPECT_EQ(generator->image_size(), (std::vector<int64_t>{56, 56}));
    EXPECT_FALSE(generator->parameters().front().requires_grad());
    EXPECT_EQ(load_model(path, ModelRole::generator)->kind_name(), kind);
    // A method that needs another role is told what the file holds.
    try {
      load_model(path, ModelRole::denoiser);
      FAIL() << "a generator loaded as a denoiser";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("holds a generator (" + kind + "), not a denoiser"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace genreg
