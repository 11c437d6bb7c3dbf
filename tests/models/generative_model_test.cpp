// The model as a Generator, and checkpoints: bit-exact round trips and clear errors.
#include <gtest/gtest.h>

#include <fstream>

#include "genreg/io/tensor_file.h"
#include "genreg/models/checkpoint.h"
#include "test_support.h"

namespace genreg {
namespace {

using testing::TempDir;

ModelConfig tiny(const std::string& kind, const std::string& arch = "paper") {
  ModelConfig c;
  c.kind = kind;
  c.arch = arch;
  c.height = c.width = 16;
  c.latent_dim = 3;
  c.channels = 4;
  return c;
}

const std::string kAllKinds[] = {"ae", "vae", "wgan-gp", "gan-hinge", "gan"};

TEST(ModelConfig, KnowsEveryGenerativeKindAndRefusesOthers) {
  EXPECT_EQ(generative_model_kinds(), std::vector<std::string>(std::begin(kAllKinds), std::end(kAllKinds)));
  for (const auto& kind : kAllKinds) EXPECT_EQ(ModelConfig::from_json(tiny(kind).to_json()).kind, kind);
  auto other = tiny("vae");
  other.kind = "diffusion";
  EXPECT_THROW(other.validate(), Error);
  EXPECT_THROW(ModelConfig::from_json(other.to_json()), Error);
}

TEST(GenerativeModel, NetworksFollowTheKind) {
  for (auto kind : kAllKinds) {
    GenerativeModel m(tiny(kind));
    EXPECT_EQ(m.has_encoder(), kind == "ae" || kind == "vae") << kind;
    EXPECT_EQ(static_cast<bool>(m.critic), !m.has_encoder()) << kind;
    EXPECT_EQ(static_cast<bool>(m.ema), kind == "gan-hinge") << kind;
    EXPECT_EQ(m.sample(5).sizes(), (std::vector<int64_t>{5, 1, 16, 16}));
    if (!m.has_encoder()) EXPECT_THROW(m.encode(torch::rand({1, 1, 16, 16})), Error);
  }
}

TEST(GenerativeModel, VaeEncodeIsTheMean) {
  torch::manual_seed(5);
  GenerativeModel m(tiny("vae"));
  const auto x = torch::rand({4, 1, 16, 16});
  const auto [mu, logvar] = m.encode_gaussian(x);
  EXPECT_TRUE(torch::equal(m.encode(x), mu));
  EXPECT_EQ(logvar.sizes(), mu.sizes());
  EXPECT_THROW(m.encode(torch::rand({4, 1, 15, 16})), Error);
  EXPECT_THROW(m.decode(torch::randn({2, 4})), Error);
}

TEST(GenerativeModel, EmaFollowsTheGenerator) {
  torch::manual_seed(6);
  GenerativeModel m(tiny("gan-hinge"));
  const auto z = torch::randn({2, 3});
  const auto before = m.decode(z).detach();
  {
    torch::NoGradGuard g;
    for (auto& p : m.decoder->parameters()) p.add_(0.1);
  }
  m.update_ema(0.0);  // decay 0: the average becomes the generator
  EXPECT_TRUE(torch::allclose(m.decode(z), m.decoder->forward(z)));
  EXPECT_FALSE(torch::allclose(m.decode(z), before));
}

TEST(Checkpoint, RoundTripIsBitExactForEveryKind) {
  TempDir dir;
  for (auto kind : kAllKinds) {
    for (const std::string arch : {"paper", "resnet"}) {
      torch::manual_seed(7);
      GenerativeModel m(tiny(kind, arch));
      const std::string path = dir / (kind + arch + ".pt");
      CheckpointExtras extras;
      extras.training = {{"epoch", 3}};
      extras.optimizers["generator"] = std::string("\x01\x00\x02", 3);
      save_checkpoint(path, m, extras);
      auto loaded = load_checkpoint(path);
      auto model = std::dynamic_pointer_cast<GenerativeModel>(loaded.model);
      ASSERT_TRUE(model != nullptr) << kind;
      EXPECT_EQ(model->config().to_json(), m.config().to_json());
      EXPECT_EQ(loaded.extras.training["epoch"], 3);
      EXPECT_EQ(loaded.extras.optimizers["generator"], std::string("\x01\x00\x02", 3));
      const auto a = model_state(m), b = model_state(*loaded.model);
      ASSERT_EQ(a.size(), b.size());
      for (const auto& [name, t] : a) EXPECT_TRUE(torch::equal(t, b.at(name))) << name;
      const auto z = torch::randn({2, 3});
      m.eval();
      model->eval();
      EXPECT_TRUE(torch::equal(m.decode(z), model->decode(z)));
    }
  }
}

TEST(Checkpoint, OtherFilesAreClearErrors) {
  TempDir dir;
  save_tensor(dir / "tensor.pt", torch::zeros({3}));
  { std::ofstream(dir / "junk.pt") << "not a pickle"; }
  for (const std::string name : {"tensor.pt", "junk.pt", "missing.pt"}) {
    try {
      load_checkpoint(dir / name);
      FAIL() << name;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_TRUE(message.find("not a genreg model checkpoint") != std::string::npos ||
                  message.find("no such checkpoint") != std::string::npos)
          << message;
    }
  }
}

TEST(Checkpoint, WeightsOfAnotherArchitectureAreRejected) {
  GenerativeModel small(tiny("ae"));
  auto config = tiny("ae");
  config.channels = 8;
  GenerativeModel wide(config);
  EXPECT_THROW(load_model_state(wide, model_state(small), "test"), Error);
  auto state = model_state(small);
  state.erase(state.begin());
  EXPECT_THROW(load_model_state(small, state, "test"), Error);
}

TEST(Checkpoint, GeneratorSizeCheck) {
  GenerativeModel m(tiny("vae"));
  EXPECT_NO_THROW(check_generator_size(m, 16, 16, "images"));
  EXPECT_THROW(check_generator_size(m, 28, 28, "measurements of mnist"), Error);
}

}  // namespace
}  // namespace genreg
