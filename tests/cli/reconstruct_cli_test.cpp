// simulate -> reconstruct from the command line, as the commands run them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "genreg/core/source_dir.h"
#include "genreg/eval/metrics.h"
#include "genreg/eval/uncertainty.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/tensor_file.h"
#include "genreg/operators/measurements.h"
#include "test_support.h"

using genreg::testing::run_genreg;
using genreg::testing::TempDir;

TEST(ReconstructCli, TvWithValidationBeatsTheNoisyImage) {
  TempDir dir;
  auto sim = run_genreg(
      "--seed 3 simulate --dataset shapes --split test --indices 0:12 --operator denoise --noise 0.1 --out " +
      (dir / "m.pt") + " --json");
  ASSERT_EQ(sim.status, 0) << sim.err;
  EXPECT_EQ(nlohmann::json::parse(sim.out)["measurements_per_image"], 56 * 56);
  auto rec =
      run_genreg("reconstruct --measurements " + (dir / "m.pt") +
                 " --method tv --lambda-grid 1e-2:1e1:4 --validate 0:4 --out " + (dir / "tv") + " --json");
  ASSERT_EQ(rec.status, 0) << rec.err;
  const auto summary = nlohmann::json::parse(rec.out);
  for (const char* file :
       {"reconstructions.pt", "reconstructions.npy", "grid.png", "sweep.png", "results.json", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("tv/" + std::string(file)))) << file;
  // The one results layout (io/results_file.h), the same on stdout and in the folder.
  EXPECT_EQ(summary["format"], "genreg-results-1");
  EXPECT_EQ(summary["command"], "reconstruct");
  EXPECT_EQ(summary["settings"]["method"], "tv");
  EXPECT_EQ(summary, nlohmann::json::parse(genreg::read_file(dir / "tv/results.json")));
  const auto files = summary["files"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(files.begin(), files.end(), "grid.png"), files.end());
  EXPECT_EQ(summary["results"]["report_indices"].size(), 8u);
  EXPECT_EQ(summary["results"]["choice"]["sweep"].size(), 4u);
  // The noisy images themselves score about 20 dB (sigma 0.1); TV must do clearly better.
  const auto m = genreg::load_measurements(dir / "m.pt");
  const double noisy = genreg::psnr(m.y.slice(0, 4), m.x_true.slice(0, 4)).mean().item<double>();
  EXPECT_GT(summary["results"]["metrics"]["psnr"]["mean"].get<double>(), noisy + 5.0) << "noisy " << noisy;
  const auto x = genreg::load_tensor(dir / "tv/reconstructions.npy");
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{12, 1, 56, 56}));
}

TEST(ReconstructCli, DiscrepancyPrincipleChoosesPerImage) {
  TempDir dir;
  ASSERT_EQ(run_genreg("simulate --dataset mnist --indices 0:6 --operator cs:200 --noise 0.05 --out " +
                       (dir / "m.pt"))
                .status,
            0);
  auto rec = run_genreg("--json reconstruct --measurements " + (dir / "m.pt") +
                        " --method tikhonov --lambda auto:discrepancy --lambda-grid 1e-3:1e2:6 --out " +
                        (dir / "t"));
  ASSERT_EQ(rec.status, 0) << rec.err;
  const auto summary = nlohmann::json::parse(rec.out);
  ASSERT_EQ(summary["results"]["lambda_per_image"].size(), 6u);
  // Every chosen reconstruction fits the data to the noise level (or used the smallest lambda).
  const double level = summary["results"]["discrepancy_level"].get<double>();
  EXPECT_LE(summary["results"]["discrepancy_mean"].get<double>(), level * 1.0001);
}

TEST(ReconstructCli, BadRequestsFailCleanly) {
  TempDir dir;
  ASSERT_EQ(
      run_genreg("simulate --dataset shapes --indices 0:2 --operator blur:gauss5 --out " + (dir / "m.pt"))
          .status,
      0);
  const std::string base = "reconstruct --measurements " + (dir / "m.pt") + " --out " + (dir / "o");
  for (const auto& args :
       {base + " --method admm --lambda 1", base + " --method tv --lambda-grid 1e-2:1:3",
        base + " --method tv", base + " --method tv --lambda x", base + " --method tv --lambda auto:oracle",
        "reconstruct --measurements " + (dir / "absent.pt") + " --method tv --lambda 1 --out " +
            (dir / "o")}) {
    const auto r = run_genreg(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const auto bad_op =
      run_genreg("simulate --dataset shapes --indices 0:2 --operator cs:x --out " + (dir / "x.pt"));
  EXPECT_EQ(bad_op.status, 2);
  EXPECT_NE(bad_op.err.find("cs:x"), std::string::npos) << bad_op.err;
}

// Posterior sampling with the committed mnist DDPM on denoising (where the data alone are 20 dB):
// the files a sampler adds, the mean and std are those of the saved samples, the mean beats the
// noisy images, and the coverage and audit are reported.
TEST(ReconstructCli, DiffusionPosteriorSamplesWithTheirMeanStdAndCoverage) {
  TempDir dir;
  ASSERT_EQ(run_genreg("simulate --dataset mnist --indices 100:104 --operator denoise --noise 0.1 --out " +
                       (dir / "m.pt"))
                .status,
            0);
  const std::string model = std::string(GENREG_SOURCE_DIR) + "/docs/models/mnist/ddpm.pt";
  auto rec = run_genreg("--json reconstruct --measurements " + (dir / "m.pt") +
                        " --method diffpir --diffusion-model " + model +
                        " --lambda 1 --samples 3 --steps 20 --out " + (dir / "d"));
  ASSERT_EQ(rec.status, 0) << rec.err;
  const auto summary = nlohmann::json::parse(rec.out)["results"];
  for (const char* file : {"samples.npy", "std.npy", "samples.png", "calibration.png"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("d/" + std::string(file)))) << file;
  const auto samples = genreg::load_tensor(dir / "d/samples.npy");
  ASSERT_EQ(samples.sizes(), (std::vector<int64_t>{4, 3, 1, 28, 28}));
  const auto x = genreg::load_tensor(dir / "d/reconstructions.npy");
  EXPECT_TRUE(torch::allclose(x, samples.mean(1), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(genreg::load_tensor(dir / "d/std.npy"), samples.std(1, true), 1e-5, 1e-6));
  const auto m = genreg::load_measurements(dir / "m.pt");
  EXPECT_GT(summary["metrics"]["psnr"]["mean"].get<double>(),
            genreg::psnr(m.y, m.x_true).mean().item<double>() + 3.0);
  EXPECT_EQ(summary["samples"], 3);
  // The reported coverage is the share of pixels whose truth lies in mean +- 1.645 std.
  const auto std = genreg::load_tensor(dir / "d/std.npy");
  const double inside = ((m.x_true - x).abs() <= 1.645 * std).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(summary["uncertainty"]["coverage_90"].get<double>(), inside, 1e-6);
  EXPECT_EQ(summary["audit"]["ratio_per_image"].size(), 4u);
  EXPECT_EQ(summary["audit"]["measurements"], 28 * 28);
}

TEST(ReconstructCli, DdrmInpaintsWithIntervalsCalibratedOnTheValidationImages) {
  TempDir dir;
  ASSERT_EQ(
      run_genreg("simulate --dataset mnist --indices 100:108 --operator inpaint:0.5 --noise 0.05 --out " +
                 (dir / "m.pt"))
          .status,
      0);
  const std::string model = std::string(GENREG_SOURCE_DIR) + "/docs/models/mnist/ddpm.pt";
  auto rec =
      run_genreg("--json reconstruct --measurements " + (dir / "m.pt") + " --method ddrm --diffusion-model " +
                 model + " --samples 4 --validate 0:4 --out " + (dir / "d"));
  ASSERT_EQ(rec.status, 0) << rec.err;
  const auto summary = nlohmann::json::parse(rec.out)["results"];
  EXPECT_EQ(summary["steps"], 20);
  EXPECT_NEAR(summary["eta"].get<double>(), 0.85, 1e-12);
  EXPECT_FALSE(summary.contains("lambda"));
  // Half the pixels missing: the mean of the report images beats their zero-filled measurement.
  const auto m = genreg::load_measurements(dir / "m.pt");
  const auto report = torch::arange(4, 8);
  const auto zero_filled = m.make_op()->adjoint(m.y).index_select(0, report);
  EXPECT_GT(summary["metrics"]["psnr"]["mean"].get<double>(),
            genreg::psnr(zero_filled, m.x_true.index_select(0, report)).mean().item<double>() + 5.0);
  // The interval scale is the split-conformal one of the validation images' samples.
  const auto samples = genreg::load_tensor(dir / "d/samples.npy");
  const double scale = summary["uncertainty"]["interval_scale"].get<double>();
  EXPECT_NEAR(scale,
              genreg::fit_interval_scale(samples.index_select(0, torch::arange(0, 4)),
                                         m.x_true.index_select(0, torch::arange(0, 4))),
              1e-9 * scale);
  EXPECT_TRUE(summary["uncertainty"]["calibrated_coverage_90_support"].is_number());
  // DDRM has no lambda to give.
  EXPECT_NE(run_genreg("reconstruct --measurements " + (dir / "m.pt") + " --method ddrm --diffusion-model " +
                       model + " --lambda 1 --out " + (dir / "e"))
                .status,
            0);
}
