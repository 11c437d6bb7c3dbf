// genreg evaluate from the command line: two tiny generators compared on a few mnist test images.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "genreg/core/source_dir.h"
#include "test_support.h"

using genreg::testing::run_genreg;
using genreg::testing::TempDir;

TEST(EvaluateCli, ComparesGeneratorsWithEveryFigureAndNumber) {
  TempDir dir;
  for (const char* kind : {"vae", "wgan-gp"})
    ASSERT_EQ(run_genreg(std::string("train --model ") + kind +
                         " --indices 0:96 --channels 4 --epochs 1 --batch-size 32 --test-indices 0:8 --out " +
                         (dir / (std::string(kind) + ".pt")))
                  .status,
              0)
        << kind;
  const auto r = run_genreg("--json evaluate --dataset mnist --compare " + (dir / "vae.pt") + " " +
                            (dir / "wgan-gp.pt") +
                            " --count 12 --emd-count 30 --iterations 15 --far-count 3 --diffusion-model " +
                            std::string(GENREG_SOURCE_DIR) +
                            "/docs/models/mnist/ddpm.pt --diffusion-steps 10 --out " + (dir / "eval"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto document = nlohmann::json::parse(r.out);
  EXPECT_EQ(document["command"], "evaluate");
  auto summary = document["results"];
  summary["data"] = document["settings"]["data"];
  ASSERT_EQ(summary["generators"].size(), 2u);
  // Projected images spread over the split (mnist's test split is sorted by digit).
  const auto indices = summary["data"]["projected_indices"].get<std::vector<int64_t>>();
  ASSERT_EQ(indices.size(), 12u);
  EXPECT_GT(indices.back(), 1800);
  EXPECT_GT(summary["emd_reference"]["normalised"].get<double>(), 0.0);
  for (const auto& g : summary["generators"]) {
    const auto& nrmse = g["projection"]["metrics"]["nrmse"];
    EXPECT_EQ(nrmse["count"], 12);
    // The decile rows are the images at the NRMSE quantiles, in rising order.
    const auto per_image = nrmse["per_image"].get<std::vector<double>>();
    const auto rows = g["projection"]["decile_rows"].get<std::vector<int64_t>>();
    ASSERT_EQ(rows.size(), 11u);
    for (size_t k = 1; k < rows.size(); ++k) EXPECT_LE(per_image[rows[k - 1]], per_image[rows[k]]);
    EXPECT_DOUBLE_EQ(per_image[rows.front()], nrmse["min"].get<double>());
    EXPECT_DOUBLE_EQ(per_image[rows.back()], nrmse["max"].get<double>());
    EXPECT_GT(g["emd"]["normalised"].get<double>(), 0.0);
    EXPECT_EQ(g["emd"]["n"], 30);
    EXPECT_EQ(g["far_samples"].size(), 4u);
    for (const auto& [name, path] : g["figures"].items())
      EXPECT_TRUE(std::filesystem::exists(dir / ("eval/" + path.get<std::string>()))) << name;
  }
  // Sample quality: two generators trained for one epoch on 96 images against the training images,
  // which sample the data exactly: a larger FID and a lower precision.
  const auto& reference = summary["quality"]["reference"];
  EXPECT_EQ(summary["quality"]["feature_network"]["task"], "classes");
  for (const auto& g : summary["generators"]) {
    EXPECT_GT(g["quality"]["fid"].get<double>(), reference["fid"].get<double>());
    EXPECT_LT(g["quality"]["precision"].get<double>(), reference["precision"].get<double>());
    EXPECT_EQ(g["quality"]["samples"], 30);
    // The committed DDPM (30 epochs on every training image), 10 DDIM steps, beats both.
    EXPECT_LT(summary["quality"]["diffusion_models"][0]["fid"].get<double>(),
              g["quality"]["fid"].get<double>());
  }
  EXPECT_EQ(summary["generators"][0]["projection"]["restarts"], 1);  // the encoder mean
  EXPECT_EQ(summary["generators"][1]["projection"]["restarts"], 4);  // random starts for the GAN
  for (const char* f : {"report.html", "results.json", "histograms.png"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("eval/" + std::string(f)))) << f;
  std::ifstream in(dir / "eval/report.html");
  std::stringstream html;
  html << in.rdbuf();
  for (const char* f : {"histograms.png", "vae/deciles.png", "wgan-gp/interpolation.png",
                        "wgan-gp/far-samples.png", "vae/latent-scatter.png"})
    EXPECT_NE(html.str().find(f), std::string::npos) << f;
}

TEST(EvaluateCli, BadInputIsAOneLineError) {
  TempDir dir;
  ASSERT_EQ(run_genreg("train --model ae --indices 0:32 --channels 4 --epochs 1 --batch-size 32 "
                       "--test-indices 0:4 --out " +
                       (dir / "ae.pt"))
                .status,
            0);
  const auto one_line_error = [](const genreg::testing::CommandResult& r, const std::string& text) {
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  };
  one_line_error(
      run_genreg("evaluate --dataset mnist --generator " + (dir / "missing.pt") + " --out " + (dir / "e")),
      "missing.pt");
  // An mnist model against 56x56 shapes.
  one_line_error(run_genreg("evaluate --dataset shapes --indices 0:10 --generator " + (dir / "ae.pt") +
                            " --out " + (dir / "e")),
                 "28x28");
  one_line_error(run_genreg("evaluate --dataset mnist --out " + (dir / "e")), "--generator");
  one_line_error(run_genreg("evaluate --dataset mnist --indices 0:10 --emd-count 20 --generator " +
                            (dir / "ae.pt") + " --out " + (dir / "e")),
                 "--emd-count 20 exceeds");
}
