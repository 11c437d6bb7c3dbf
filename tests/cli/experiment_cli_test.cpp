// genreg experiment and the parameter-choice bookkeeping of one experiment run, from the command
// line, on a tiny generator and a handful of images.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/tensor_file.h"
#include "test_support.h"

using genreg::testing::run_genreg;
using genreg::testing::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A tiny mnist VAE as FOLDER/vae.pt, the generator folder of the experiments below.
bool train_tiny_vae(const std::string& folder) {
  std::filesystem::create_directories(folder);
  return run_genreg(
             "train --model vae --indices 0:128 --channels 4 --epochs 1 --batch-size 32 "
             "--test-indices 0:16 --out " +
             folder + "/vae.pt")
             .status == 0;
}

}  // namespace

TEST(ExperimentCli, RunsKeepsResultsAndContinues) {
  TempDir dir;
  ASSERT_TRUE(train_tiny_vae(dir / "gens"));
  auto command = [&](int iterations) {
    return "--json experiment table1a --generators " + (dir / "gens") +
           " --only hard/vae tv --restarts 2 --validate 0:4 --report 100:106 --out " + (dir / "exp") +
           " --iterations " + std::to_string(iterations);
  };
  const std::string args = command(15);
  auto first = run_genreg(args);
  ASSERT_EQ(first.status, 0) << first.err;
  const auto document = nlohmann::json::parse(first.out);
  EXPECT_EQ(document["command"], "experiment");
  EXPECT_EQ(document["settings"]["experiment"], "table1a");
  const auto& summary = document["results"];
  ASSERT_EQ(summary["methods"].size(), 2u);
  const auto truth = genreg::load_dataset(
                         "mnist", genreg::DatasetOptions().split("test").range(genreg::IndexRange{100, 106}))
                         .images;
  const double black = genreg::psnr(torch::zeros_like(truth), truth).mean().item<double>();
  for (const auto& m : summary["methods"]) {
    // The chosen lambda is the grid point with the best mean validation PSNR.
    const auto grid = m["lambda_grid"].get<std::vector<double>>();
    const auto curves = m["validation_curve"].get<std::vector<std::vector<double>>>();
    double best = -1e300;
    for (const auto& c : curves) best = std::max(best, *std::max_element(c.begin(), c.end()));
    EXPECT_DOUBLE_EQ(m["validation_psnr"].get<double>(), best) << m["label"];
    EXPECT_NE(std::find(grid.begin(), grid.end(), m["lambda"].get<double>()), grid.end());
    EXPECT_EQ(m["metrics"]["psnr"]["count"].get<int64_t>(), 6);
    // The reported psnr is that of the kept reconstructions against the report images' truth.
    std::string key = m["method"].get<std::string>();
    if (!m["model"].get<std::string>().empty()) key += "-" + m["model"].get<std::string>();
    const auto x = genreg::load_tensor(dir / ("exp/methods/" + key + "/x.pt"));
    EXPECT_NEAR(m["metrics"]["psnr"]["mean"].get<double>(), genreg::psnr(x, truth).mean().item<double>(),
                1e-6);
    // TV beats the all-black image (about 11 dB) by far; the 1-epoch VAE of 4 channels need not.
    if (m["method"] == "tv") EXPECT_GT(m["metrics"]["psnr"]["mean"].get<double>(), black + 3.0);
    // psnr_paper is psnr with data range 2: 20 log10(2) dB higher.
    EXPECT_NEAR(m["metrics"]["psnr_paper"]["mean"].get<double>() - m["metrics"]["psnr"]["mean"].get<double>(),
                20 * std::log10(2.0), 1e-9);
  }
  EXPECT_DOUBLE_EQ(summary["methods"][1]["paper_psnr_paper"]["mean"].get<double>(), 21.54);
  const auto table = slurp(dir / "exp/table.md");
  EXPECT_NE(table.find("| hard |"), std::string::npos) << table;
  EXPECT_NE(table.find("21.54 +- 1.32"), std::string::npos) << table;
  for (const char* f : {"report.html", "reconstructions.png", "validation.png", "samples-vae.png",
                        "measurements.pt", "results.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("exp/" + std::string(f)))) << f;

  // The same command again keeps both results instead of solving again.
  auto second = run_genreg(args);
  ASSERT_EQ(second.status, 0) << second.err;
  size_t kept = 0;
  for (size_t p = second.err.find("kept from an earlier run"); p != std::string::npos;
       p = second.err.find("kept from an earlier run", p + 1))
    ++kept;
  EXPECT_EQ(kept, 2u) << second.err;
  const auto again = nlohmann::json::parse(second.out)["results"];
  for (size_t k = 0; k < 2; ++k) EXPECT_EQ(again["methods"][k]["metrics"], summary["methods"][k]["metrics"]);

  // Other settings are a fresh run, not a stale result.
  auto other = run_genreg(command(10));
  ASSERT_EQ(other.status, 0) << other.err;
  EXPECT_NE(other.err.find("kept from an earlier run"), std::string::npos);  // tv does not depend on it
  EXPECT_EQ(other.err.find("hard (VAE): kept"), std::string::npos) << other.err;
}

TEST(ExperimentCli, ShapesPlusTomographyRunsTheSparseTvDeviation) {
  // The 56x56 experiment end to end on a tiny shapes VAE: its default of one start, the paper's
  // sparse deviation with TV, the G(z) / u figure.
  TempDir dir;
  std::filesystem::create_directories(dir / "gens");
  ASSERT_EQ(
      run_genreg("train --model vae --dataset shapes --indices 0:64 --channels 4 --epochs 1 --batch-size 32 "
                 "--test-indices 0:8 --out " +
                 (dir / "gens/vae.pt"))
          .status,
      0);
  auto r = run_genreg("--json experiment shapes-plus-tomo --generators " + (dir / "gens") +
                      " --only sparse-tv/vae tv --validate 0:2 --report 100:103 --iterations 4 --out " +
                      (dir / "exp"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto document = nlohmann::json::parse(r.out);
  EXPECT_EQ(document["settings"]["restarts"].get<int64_t>(), 1);
  EXPECT_EQ(document["settings"]["operator"], "tomo");
  EXPECT_EQ(document["settings"]["dataset"], "shapes-plus");
  const auto& summary = document["results"];
  ASSERT_EQ(summary["methods"].size(), 2u);
  EXPECT_EQ(summary["methods"][0]["label"], "sparse-tv (VAE)");
  EXPECT_DOUBLE_EQ(summary["methods"][0]["paper_psnr_paper"]["mean"].get<double>(), 32.83);
  EXPECT_DOUBLE_EQ(summary["methods"][1]["paper_psnr_paper"]["mean"].get<double>(), 32.01);
  for (const auto& m : summary["methods"]) EXPECT_EQ(m["metrics"]["psnr"]["count"].get<int64_t>(), 3);
  EXPECT_TRUE(std::filesystem::exists(dir / "exp/decomposition-sparse-tv-vae.png"));
}

TEST(ExperimentCli, BadRequestsAreOneLineErrors) {
  TempDir dir;
  std::filesystem::create_directories(dir / "empty");
  struct Case {
    std::string args, message;
  } cases[] = {
      {"experiment table9", "unknown experiment 'table9'"},
      {"experiment table1a --generators " + (dir / "empty") + " --only hard/vae", "no vae generator"},
      {"experiment table1a --only hard/vae2", "has no method 'hard/vae2'"},
      {"experiment table1a --only tv --validate 0:20 --report 10:30", "overlap"},
      // The missing generator's message gives the experiment's own training recipe.
      {"experiment table1b --generators " + (dir / "empty") + " --only hard/wgan-gp",
       "--model wgan-gp --dataset shapes --indices 0:10000 --epochs 10"},
  };
  for (const auto& c : cases) {
    auto r = run_genreg(c.args + " --out " + (dir / "out"));
    EXPECT_EQ(r.status, 2) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
  }
}

// An experiment killed with SIGKILL after its first method finished continues from it: the method
// is kept, the rest is solved, and the results equal those of a run that was never killed.
TEST(ExperimentCli, KilledWithSigkillContinuesToTheUninterruptedResult) {
  TempDir dir;
  ASSERT_TRUE(train_tiny_vae(dir / "gens"));
  auto args = [&](const std::string& out) {
    return "experiment table1a --generators " + (dir / "gens") +
           " --only tv hard/vae --restarts 2 --validate 0:4 --report 100:106 --iterations 40 --out " + out;
  };
  const auto straight = run_genreg("--json " + args(dir / "straight"));
  ASSERT_EQ(straight.status, 0) << straight.err;
  // Kill the second run as soon as its first method's result is on disk.
  const std::string killed = dir / "killed";
  const std::string script =
      "( " + std::string(GENREG_CLI_PATH) + " " + args(killed) +
      " >/dev/null 2>&1 & pid=$!; while [ -z \"$(find " + killed +
      "/methods -name result.json 2>/dev/null)\" ]; do sleep 0.02; done; kill -9 $pid; "
      "wait $pid ) 2>/dev/null";
  ASSERT_NE(std::system(script.c_str()), -1);
  EXPECT_FALSE(std::filesystem::exists(killed + "/results.json"));  // the folder says it is unfinished
  const auto resumed = run_genreg("--json " + args(killed));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("kept from an earlier run"), std::string::npos) << resumed.err;
  const auto a = nlohmann::json::parse(straight.out)["results"]["methods"];
  const auto b = nlohmann::json::parse(resumed.out)["results"]["methods"];
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(a[k]["label"], b[k]["label"]);
    EXPECT_EQ(a[k]["lambda"], b[k]["lambda"]);
    EXPECT_EQ(a[k]["metrics"], b[k]["metrics"]) << a[k]["label"];
  }
}
