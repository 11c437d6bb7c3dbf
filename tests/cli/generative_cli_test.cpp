// train -> simulate -> reconstruct with a generative regulariser, from the command line.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "genreg/io/tensor_file.h"
#include "test_support.h"

using genreg::testing::run_genreg;
using genreg::testing::TempDir;

TEST(GenerativeCli, HardAndSparseWithChoiceAndFigures) {
  TempDir dir;
  const std::string vae = dir / "vae.pt";
  ASSERT_EQ(
      run_genreg("train --model vae --indices 0:128 --channels 4 --latent-dim 4 --epochs 1 --batch-size 32 "
                 "--test-indices 0:16 --out " +
                 vae)
          .status,
      0);
  ASSERT_EQ(
      run_genreg("simulate --dataset mnist --split test --indices 0:8 --operator cs:100 --noise 0.1 --out " +
                 (dir / "m.pt"))
          .status,
      0);
  auto hard = run_genreg(
      "--json reconstruct --measurements " + (dir / "m.pt") + " --method hard --generator " + vae +
      " --restarts 2 --iterations 20 --lambda-grid 0.01:1:3 --validate 0:3 --out " + (dir / "hard"));
  ASSERT_EQ(hard.status, 0) << hard.err;
  const auto summary = nlohmann::json::parse(hard.out);
  EXPECT_EQ(summary["results"]["choice"]["sweep"].size(), 3u);
  EXPECT_EQ(summary["results"]["report_indices"].size(), 5u);
  for (const char* f :
       {"reconstructions.npy", "grid.png", "sweep.png", "restarts.png", "report.html", "results.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("hard/" + std::string(f)))) << f;

  auto sparse = run_genreg("reconstruct --measurements " + (dir / "m.pt") + " --method sparse --generator " +
                           vae + " --iterations 10 --lambda 0.5 --mu 0.1 --out " + (dir / "sparse"));
  ASSERT_EQ(sparse.status, 0) << sparse.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "sparse/decomposition.png"));
  const auto u = genreg::load_tensor(dir / "sparse/deviation.npy");
  EXPECT_EQ(u.sizes(), (std::vector<int64_t>{8, 1, 28, 28}));

  // A generator for other images, a missing generator, and options a method does not read are
  // one-line errors.
  ASSERT_EQ(
      run_genreg("simulate --dataset shapes --split test --indices 0:2 --operator tomo --noise 0.1 --out " +
                 (dir / "s.pt"))
          .status,
      0);
  struct Case {
    std::string args, message;
  } cases[] = {
      {"--measurements " + (dir / "s.pt") + " --method hard --generator " + vae + " --lambda 1",
       "generator makes 28x28"},
      {"--measurements " + (dir / "m.pt") + " --method hard --lambda 1", "needs --generator"},
      {"--measurements " + (dir / "m.pt") + " --method sparse --optimizer adam --generator " + vae +
           " --lambda 1",
       "--optimizer is not used by sparse"},
      {"--measurements " + (dir / "m.pt") + " --method tv --restarts 3 --lambda 1",
       "--restarts is not used by tv"},
      {"--measurements " + (dir / "m.pt") + " --method pgd --generator " + vae + " --lambda 1",
       "--lambda is not used by pgd"},
      {"--measurements " + (dir / "m.pt") + " --method tv --generator " + vae + " --lambda 1",
       "--generator is for the methods that need a generator"},
  };
  for (const auto& c : cases) {
    auto r = run_genreg("reconstruct " + c.args + " --out " + (dir / "bad"));
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
  }
}
