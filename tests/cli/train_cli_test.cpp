// genreg train and genreg sample as a user runs them: every model kind on mnist, shapes and a PNG
// folder, checkpoints that load in a fresh process, and clear errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/png.h"
#include "genreg/io/tensor_file.h"
#include "test_support.h"

using genreg::testing::run_genreg;
using genreg::testing::TempDir;

namespace {

const std::string kTiny = " --channels 4 --epochs 1 --batch-size 32 --latent-dim 4 --test-indices 0:32 ";

TEST(TrainCli, EveryKindTrainsOnMnistAndSamples) {
  TempDir dir;
  for (const std::string kind : {"ae", "vae", "wgan-gp", "gan-hinge", "gan"}) {
    const std::string ckpt = dir / (kind + ".pt");
    auto train = run_genreg("--json train --model " + kind + " --dataset mnist --indices 0:96" + kTiny +
                            "--critic-steps 1 --out " + ckpt);
    ASSERT_EQ(train.status, 0) << kind << ": " << train.err;
    const auto document = nlohmann::json::parse(train.out);
    EXPECT_EQ(document["command"], "train");
    EXPECT_EQ(document["settings"]["model"]["kind"], kind);
    const auto& summary = document["results"];
    EXPECT_EQ(summary["epochs_done"], 1);
    EXPECT_EQ(summary["history"].size(), 1u);
    EXPECT_GT(summary["images_per_second"].get<double>(), 0.0);
    EXPECT_EQ(summary.contains("test_psnr"), kind == "ae" || kind == "vae");
    EXPECT_EQ(document, nlohmann::json::parse(genreg::read_file(dir / (kind + "_train/results.json"))));
    for (const char* f : {"history.json", "losses.png", "samples.png", "report.html"})
      EXPECT_TRUE(std::filesystem::exists(dir / (kind + "_train/" + f))) << kind << " " << f;

    auto sample =
        run_genreg("--seed 4 sample --generator " + ckpt + " --count 10 --out " + (dir / (kind + ".npy")));
    ASSERT_EQ(sample.status, 0) << sample.err;
    const auto images = genreg::load_tensor(dir / (kind + ".npy"));
    EXPECT_EQ(images.sizes(), (std::vector<int64_t>{10, 1, 28, 28}));
    EXPECT_GE(images.min().item<double>(), 0.0);
    EXPECT_LE(images.max().item<double>(), 1.0);
  }
  auto grid =
      run_genreg("sample --generator " + (dir / "vae.pt") + " --count 16 --out " + (dir / "grid.png"));
  ASSERT_EQ(grid.status, 0) << grid.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "grid.png"));
}

// Training does what it is for: a tiny autoencoder's loss falls every epoch, and its test
// reconstructions beat the best constant guess, the training images' mean image (PSNR about 12 dB
// on mnist, an all-black image 11).
TEST(TrainCli, AutoencoderLossFallsAndBeatsTheMeanImage) {
  TempDir dir;
  auto train = run_genreg(
      "--json train --model ae --dataset mnist --indices 0:1024 --channels 8 --epochs 8 --batch-size 32 "
      "--latent-dim 8 --test-indices 0:64 --out " +
      (dir / "ae.pt"));
  ASSERT_EQ(train.status, 0) << train.err;
  const auto history = nlohmann::json::parse(train.out)["results"]["history"];
  ASSERT_EQ(history.size(), 8u);
  for (size_t k = 1; k < history.size(); ++k)
    EXPECT_LT(history[k]["losses"]["mse"].get<double>(), history[k - 1]["losses"]["mse"].get<double>()) << k;
  const auto train_images = genreg::load_dataset(
      "mnist", genreg::DatasetOptions().split("train").range(genreg::IndexRange{0, 1024}));
  const auto test_images =
      genreg::load_dataset("mnist", genreg::DatasetOptions().split("test").range(genreg::IndexRange{0, 64}));
  const auto mean_image = train_images.images.mean(0, true).expand_as(test_images.images);
  const double baseline = genreg::psnr(mean_image, test_images.images).mean().item<double>();
  // Measured: 15.5 dB against the mean image's 12.
  EXPECT_GT(history.back()["test_psnr"].get<double>(), baseline + 2.0) << "mean image " << baseline << " dB";
}

TEST(TrainCli, ShapesAndFolderWithBothArchitectures) {
  TempDir dir;
  auto shapes = run_genreg("train --model vae --arch paper --dataset shapes --indices 0:64" + kTiny +
                           "--out " + (dir / "shapes.pt"));
  ASSERT_EQ(shapes.status, 0) << shapes.err;
  // A folder of 30x30 PNGs: the architectures need sides divisible by 4, so --size 32.
  std::filesystem::create_directories(dir / "pngs");
  for (int i = 0; i < 40; ++i)
    genreg::write_png(dir / ("pngs/img" + std::to_string(100 + i) + ".png"), torch::rand({1, 30, 30}));
  auto bad =
      run_genreg("train --model ae --dataset folder:" + (dir / "pngs") + kTiny + "--out " + (dir / "f.pt"));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("divisible by 4"), std::string::npos) << bad.err;
  auto folder = run_genreg("train --model gan-hinge --arch resnet --dataset folder:" + (dir / "pngs") +
                           " --size 32 --channels 4 --epochs 1 --batch-size 16 --test-indices 0:8 --out " +
                           (dir / "f.pt"));
  ASSERT_EQ(folder.status, 0) << folder.err;
  auto sample = run_genreg("sample --generator " + (dir / "f.pt") + " --count 4 --out " + (dir / "f.npy"));
  ASSERT_EQ(sample.status, 0) << sample.err;
  EXPECT_EQ(genreg::load_tensor(dir / "f.npy").sizes(), (std::vector<int64_t>{4, 1, 32, 32}));
}

TEST(TrainCli, ResumeContinuesAndRefusesAnotherModel) {
  TempDir dir;
  const std::string ckpt = dir / "ae.pt";
  const std::string base =
      "train --model ae --dataset mnist --indices 0:64 --channels 4 --batch-size 32 "
      "--latent-dim 4 --test-indices 0:16 --out " +
      ckpt;
  ASSERT_EQ(run_genreg(base + " --epochs 1").status, 0);
  auto resumed = run_genreg("--json " + base + " --epochs 2 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming from"), std::string::npos) << resumed.err;
  const auto summary = nlohmann::json::parse(resumed.out)["results"];
  EXPECT_EQ(summary["first_epoch"], 1);
  EXPECT_EQ(summary["epochs_done"], 2);
  auto other = run_genreg(
      "train --model vae --dataset mnist --indices 0:64 --channels 4 --latent-dim 4 "
      "--epochs 1 --resume --out " +
      ckpt);
  EXPECT_EQ(other.status, 2);
  EXPECT_NE(other.err.find("different model"), std::string::npos) << other.err;
}

TEST(TrainCli, BadInputFailsCleanly) {
  TempDir dir;
  genreg::save_tensor(dir / "t.pt", torch::zeros({2}));
  struct Case {
    std::string args, message;
  } cases[] = {
      {"sample --generator " + (dir / "t.pt") + " --out " + (dir / "s.png"), "not a genreg model checkpoint"},
      {"sample --generator " + (dir / "none.pt") + " --out " + (dir / "s.png"), "no such checkpoint"},
      {"train --model diffusion --out " + (dir / "x.pt"), "unknown model kind"},
      {"train --model ae --arch unet --indices 0:8 --out " + (dir / "x.pt"), "unknown architecture"},
      {"train --model vae --indices 0:8 --lr -1 --out " + (dir / "x.pt"),
       "--lr: must be a positive finite number"},
  };
  for (const auto& c : cases) {
    auto r = run_genreg(c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(r.err.find("Exception raised"), std::string::npos) << r.err;
  }
}

}  // namespace

namespace {

// A training killed with SIGKILL in its second epoch, then resumed, ends with the same weights as
// the run that was never killed (samples from the same seed are bit-identical), and the temporary
// file a kill during a checkpoint write may leave is gone.
TEST(TrainCli, KilledWithSigkillResumesToTheUninterruptedResult) {
  TempDir dir;
  const std::string args =
      "train --model vae --indices 0:1024 --channels 4 --latent-dim 4 --batch-size 32 --test-indices 0:16 "
      "--epochs 3 --out ";
  ASSERT_EQ(run_genreg(args + (dir / "straight.pt")).status, 0);
  // Start a run, wait for its first checkpoint, kill it outright.
  const std::string killed = dir / "killed.pt";
  const std::string script = "( " + std::string(GENREG_CLI_PATH) + " " + args + killed +
                             " >/dev/null 2>&1 & pid=$!; while [ ! -f " + killed +
                             " ]; do sleep 0.02; done; kill -9 $pid; wait $pid ) 2>/dev/null";
  ASSERT_NE(std::system(script.c_str()), -1);
  std::ofstream(killed + ".tmp99999") << "half a checkpoint";  // what a kill during a write leaves
  auto resumed = run_genreg(args + killed + " --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming from"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("removed " + killed + ".tmp99999"), std::string::npos) << resumed.out;
  EXPECT_FALSE(std::filesystem::exists(killed + ".tmp99999"));
  for (const std::string name : {"straight", "killed"})
    ASSERT_EQ(run_genreg("--seed 5 sample --generator " + (dir / (name + ".pt")) + " --count 8 --out " +
                         (dir / (name + ".npy")))
                  .status,
              0);
  EXPECT_TRUE(
      torch::equal(genreg::load_tensor(dir / "straight.npy"), genreg::load_tensor(dir / "killed.npy")));
}

}  // namespace
