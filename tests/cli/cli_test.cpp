// The genreg program as a user runs it: outputs, JSON summaries, and clean failures on bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "genreg/io/npy.h"
#include "genreg/io/png.h"
#include "test_support.h"

using genreg::testing::run_genreg;
using genreg::testing::TempDir;

namespace {

// A failure must be one line on stderr, exit status 2, and no LibTorch stack trace.
void expect_clean_failure(const std::string& args, const std::string& expected_text) {
  const auto r = run_genreg(args);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("genreg: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.find("Exception raised from"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(expected_text), std::string::npos)
      << "expected '" << expected_text << "' in: " << r.err;
}

}  // namespace

TEST(Cli, HelpListsTheCommands) {
  const auto r = run_genreg("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* word : {"data", "metrics", "demo", "--device", "--threads", "--seed", "--json"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  EXPECT_EQ(run_genreg("data show --help").status, 0);
}

TEST(Cli, DataShowWritesAGridAndAJsonSummary) {
  TempDir dir;
  const auto r = run_genreg("data show --dataset shapes --split test --count 6 --columns 3 --out " +
                            (dir / "g.png") + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["count"], 6);
  EXPECT_EQ(summary["height"], 56);
  const auto grid = genreg::read_png(dir / "g.png");
  // 3 columns x 2 rows of 56-pixel tiles (scale 2 for 56 < 64), padding 2.
  EXPECT_EQ(grid.size(1), 2 * 112 + 3 * 2);
  EXPECT_EQ(grid.size(2), 3 * 112 + 4 * 2);
}

TEST(Cli, DataStatsReportsTheProtocolSplit) {
  const auto r = run_genreg("--json data stats --dataset mnist --split test");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  EXPECT_EQ(s["count"], 2000);
  EXPECT_EQ(s["width"], 28);
  EXPECT_GE(s["min"].get<double>(), 0.0);
  EXPECT_LE(s["max"].get<double>(), 1.0);
  EXPECT_EQ(s["label_counts"].size(), 10u);
  EXPECT_NE(r.err.find("2000 of 2000 images"), std::string::npos) << r.err;
}

TEST(Cli, MetricsOfAKnownPair) {
  TempDir dir;
  // Truth zero, estimate with one pixel at 0.5 in a 8x8 image: MSE = 0.25 / 64, PSNR = 10 log10(256).
  auto truth = torch::zeros({8, 8});
  auto estimate = truth.clone();
  estimate[2][3] = 0.5;
  genreg::write_npy(dir / "t.npy", truth);
  genreg::write_npy(dir / "e.npy", estimate);
  const auto r =
      run_genreg("metrics --truth " + (dir / "t.npy") + " --estimate " + (dir / "e.npy") + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  EXPECT_NEAR(s["metrics"]["psnr"]["mean"].get<double>(), 10.0 * std::log10(256.0), 1e-9);
  EXPECT_NEAR(s["metrics"]["l1"]["mean"].get<double>(), 0.5 / 64.0, 1e-9);
  // PNG inputs work the same way.
  genreg::write_png(dir / "t.png", truth);
  genreg::write_png(dir / "e.png", estimate);
  const auto p = run_genreg("metrics --truth " + (dir / "t.png") + " --estimate " + (dir / "e.png"));
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.out.find("psnr"), std::string::npos);
}

TEST(Cli, BadInputFailsCleanly) {
  TempDir dir;
  expect_clean_failure("data show --dataset cifar --out " + (dir / "x.png"), "unknown dataset 'cifar'");
  expect_clean_failure("data stats --dataset shapes --split validation", "unknown split");
  expect_clean_failure("data stats --dataset shapes --split test --indices 0:20000", "outside");
  expect_clean_failure("data stats --dataset folder:" + (dir / "nothing"), "no such folder");
  expect_clean_failure("metrics --truth " + (dir / "absent.png") + " --estimate " + (dir / "absent.png"),
                       "no such file");
  genreg::write_png(dir / "a.png", torch::zeros({8, 8}));
  genreg::write_png(dir / "b.png", torch::zeros({8, 9}));
  expect_clean_failure("metrics --truth " + (dir / "a.png") + " --estimate " + (dir / "b.png"), "shape");
  auto nan = torch::zeros({8, 8});
  nan[1][1] = std::nanf("");
  genreg::write_npy(dir / "nan.npy", nan);
  expect_clean_failure("metrics --truth " + (dir / "a.png") + " --estimate " + (dir / "nan.npy"), "NaN");
  expect_clean_failure("--device cuda:7 data stats --dataset shapes --indices 0:1", "cuda");
  expect_clean_failure("data show --dataset shapes", "--out");  // a required option missing
  expect_clean_failure("frobnicate", "frobnicate");
  expect_clean_failure("--threads two data stats --dataset shapes", "threads");
}
