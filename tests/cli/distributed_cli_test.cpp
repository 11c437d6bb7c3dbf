// `genreg train --nproc N` as a user runs it: N ranks of one thread end with the checkpoint of one
// process of N threads; a rank killed mid-run makes the whole job fail within seconds with a
// message naming the rank, and `--resume` continues from the last checkpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "genreg/core/source_dir.h"
#include "genreg/distributed/process_group.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/checkpoint.h"
#include "test_support.h"

using genreg::testing::run_genreg;
using genreg::testing::TempDir;

namespace distributed_cli_test {

const std::string kTiny =
    " --dataset mnist --channels 4 --latent-dim 4 --batch-size 32 --test-indices 0:32 --log-every 1000 ";

torch::Tensor weights_of(const std::string& checkpoint) {
  auto loaded = genreg::load_checkpoint(checkpoint, torch::kCPU);
  std::vector<torch::Tensor> parts;
  for (const auto& p : loaded.model->parameters()) parts.push_back(p.detach().reshape({-1}));
  return torch::cat(parts);
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The pid of the rank `rank` process whose command line mentions `marker` (0 when none).
int find_rank(const std::string& marker, int rank) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto cmdline = read(entry.path() / "cmdline");
    if (cmdline.find(marker) == std::string::npos) continue;
    const auto environ = read(entry.path() / "environ");
    size_t start = 0;
    while (start < environ.size()) {
      const auto end = environ.find('\0', start);
      if (environ.substr(start, end - start) == "RANK=" + std::to_string(rank)) return std::stoi(name);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return 0;
}

TEST(DistributedCli, TwoRanksOfOneThreadWriteTheCheckpointOfOneProcess) {
  if (!genreg::ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  TempDir dir;
  const std::string common = "train --model vae --indices 0:256 --epochs 2" + kTiny;
  auto one = run_genreg("--threads 2 --json " + common + "--out " + (dir / "one.pt"));
  ASSERT_EQ(one.status, 0) << one.err;
  auto two = run_genreg("--threads 1 --json " + common + "--nproc 2 --out " + (dir / "two.pt"));
  ASSERT_EQ(two.status, 0) << two.err;
  // One JSON document (rank 0's), the same settings but the rank count.
  const auto doc1 = nlohmann::json::parse(one.out), doc2 = nlohmann::json::parse(two.out);
  EXPECT_EQ(doc1["settings"]["ranks"], 1);
  EXPECT_EQ(doc2["settings"]["ranks"], 2);
  EXPECT_EQ(doc1["settings"]["options"], doc2["settings"]["options"]);
  const auto& parallel = doc2["results"]["data_parallel"];
  EXPECT_EQ(parallel["ranks"], 2);
  EXPECT_GT(parallel["all_reduce_ms_per_step"].get<double>(), 0.0);
  // 2 epochs of 8 steps, each one gradient bucket and one all-reduce of the loss terms.
  EXPECT_EQ(parallel["all_reduces"], 32);
  EXPECT_FALSE(doc1["results"].contains("data_parallel"));
  // The weights after 16 Adam steps (tolerance as in tests/training/data_parallel_test.cpp) and the
  // epochs' losses.
  const auto w1 = weights_of(dir / "one.pt"), w2 = weights_of(dir / "two.pt");
  EXPECT_LT((w1 - w2).abs().max().item<double>(), 1e-4);
  for (int e = 0; e < 2; ++e)
    for (const auto& [term, value] : doc1["results"]["history"][e]["losses"].items())
      EXPECT_NEAR(doc2["results"]["history"][e]["losses"][term].get<double>(), value.get<double>(), 1e-5)
          << term;
  // Rank 0 alone wrote the folder; the checkpoint records the run for resuming.
  EXPECT_TRUE(std::filesystem::exists(dir / "two_train/report.html"));
  EXPECT_EQ(std::count(two.err.begin(), two.err.end(), '\n'),
            std::count(one.err.begin(), one.err.end(), '\n'))
      << "rank 1 printed lines:\n"
      << two.err;
}

TEST(DistributedCli, AKilledRankFailsTheJobQuicklyAndItResumes) {
  if (!genreg::ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  TempDir dir;
  const std::string out = dir / "killed.pt";
  const std::string args =
      "--threads 1 train --model ae --indices 0:2048 --epochs 40" + kTiny + "--nproc 2 --out " + out;
  auto job = std::async(std::launch::async, [&] { return run_genreg(args, 300); });
  // Wait for the first epoch's checkpoint, then kill rank 1 as the OOM killer would.
  const auto start = std::chrono::steady_clock::now();
  while (!std::filesystem::exists(out) &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(std::filesystem::exists(out)) << "no checkpoint after 120 s";
  const int pid = find_rank(out, 1);
  ASSERT_GT(pid, 0) << "rank 1 not found";
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const auto result = job.get();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_LT(seconds, 20.0) << "the job took " << seconds << " s to fail";
  // Rank 0's own line, then the launcher's.
  EXPECT_NE(
      result.err.find("rank 0 of 2: all-reduce failed: another rank exited, was killed or stopped answering"),
      std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("train on 2 ranks failed: rank "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("rank 1 of 2 was killed by signal 9"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("terminate called"), std::string::npos) << result.err;

  // Resume from the last checkpoint with both ranks for one more epoch.
  const auto history = nlohmann::json::parse(genreg::read_file(dir / "killed_train/history.json"));
  const int64_t done = history["epoch"].get<int64_t>();
  ASSERT_GE(done, 1);
  auto resumed = run_genreg("--json " + args + " --resume --stop-after 1", 300);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming from " + out + " after epoch " + std::to_string(done)),
            std::string::npos)
      << resumed.err;
  const auto doc = nlohmann::json::parse(resumed.out);
  EXPECT_EQ(doc["results"]["epochs_done"], done + 1);
  EXPECT_EQ(doc["results"]["first_epoch"], done);
}

// reconstruct --nproc 2: each rank solves half of the images (and of the validation images of the
// sweep); rank 0 writes the folder, whose reconstructions equal one process's image by image.
TEST(DistributedCli, ShardedReconstructionEqualsOneProcessImageByImage) {
  if (!genreg::ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  TempDir dir;
  ASSERT_EQ(
      run_genreg("--seed 2 simulate --dataset mnist --indices 0:11 --operator cs:150 --noise 0.1 --out " +
                 (dir / "m.pt"))
          .status,
      0);
  const std::string generator = std::string(GENREG_SOURCE_DIR) + "/docs/models/mnist/vae.pt";
  // Tolerances: TV (convex) to float rounding; hard's nonconvex latent search amplifies rounding that
  // depends on the batch's rows (BLAS blocking): one process with --batch 18 instead of 2048 moved
  // pixels by up to 1.4e-2 on these images, two ranks by up to 9e-4.
  const std::vector<std::pair<std::string, double>> methods = {
      {"tv --lambda-grid 1e-3:1e-1:3 --validate 0:3 --iterations 200", 1e-5},
      {"hard --generator " + generator +
           " --restarts 3 --lambda-grid 0.01:1:3 --validate 0:3 --iterations 60",
       5e-3},
      {"tv --lambda auto:discrepancy --lambda-grid 1e-3:1e-1:3 --iterations 100", 1e-5}};
  for (size_t k = 0; k < methods.size(); ++k) {
    const std::string one = dir / ("one" + std::to_string(k)), two = dir / ("two" + std::to_string(k));
    const auto& [method, tolerance] = methods[k];
    const std::string common = " reconstruct --measurements " + (dir / "m.pt") + " --method " + method;
    auto a = run_genreg("--threads 2 --json" + common + " --out " + one);
    ASSERT_EQ(a.status, 0) << a.err;
    auto b = run_genreg("--threads 1 --json" + common + " --nproc 2 --out " + two);
    ASSERT_EQ(b.status, 0) << b.err;
    const auto x1 = genreg::load_tensor(one + "/reconstructions.npy"),
               x2 = genreg::load_tensor(two + "/reconstructions.npy");
    ASSERT_EQ(x1.sizes(), x2.sizes());
    EXPECT_LT((x1 - x2).abs().max().item<double>(), tolerance) << method;
    const auto d1 = nlohmann::json::parse(a.out), d2 = nlohmann::json::parse(b.out);
    EXPECT_EQ(d2["results"]["ranks"], 2);
    EXPECT_EQ(d1["results"].value("lambda", -1.0), d2["results"].value("lambda", -1.0)) << method;
    EXPECT_EQ(d1["results"].contains("lambda_per_image"), d2["results"].contains("lambda_per_image"));
    if (d1["results"].contains("lambda_per_image"))
      EXPECT_EQ(d1["results"]["lambda_per_image"], d2["results"]["lambda_per_image"]);
    EXPECT_NEAR(d1["results"]["metrics"]["psnr"]["mean"].get<double>(),
                d2["results"]["metrics"]["psnr"]["mean"].get<double>(), 0.01)
        << method;
  }
}

// experiment --nproc 2: every sweep and solve sharded by image, rank 0 writing the folder, with one
// process's choices and metrics; and a generator trained data-parallel inside the experiment.
TEST(DistributedCli, ExperimentOnTwoRanksSolvesAsOneProcessAndTrainsItsGenerators) {
  if (!genreg::ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  TempDir dir;
  const std::string models = std::string(GENREG_SOURCE_DIR) + "/docs/models/mnist";
  const std::string common =
      " experiment table1a --generators " + models +
      " --only hard/vae tv --restarts 2 --validate 0:4 --report 100:106 --iterations 15 --out ";
  auto one = run_genreg("--threads 2 --json" + common + (dir / "one"));
  ASSERT_EQ(one.status, 0) << one.err;
  auto two = run_genreg("--threads 1 --json" + common + (dir / "two") + " --nproc 2");
  ASSERT_EQ(two.status, 0) << two.err;
  const auto m1 = nlohmann::json::parse(one.out)["results"]["methods"];
  const auto m2 = nlohmann::json::parse(two.out)["results"]["methods"];
  ASSERT_EQ(m1.size(), 2u);
  ASSERT_EQ(m2.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(m1[k]["label"], m2[k]["label"]);
    EXPECT_EQ(m1[k]["lambda"], m2[k]["lambda"]) << m1[k]["label"];
    EXPECT_EQ(m1[k]["validation_curve"].size(), m2[k]["validation_curve"].size());
    EXPECT_NEAR(m1[k]["metrics"]["psnr"]["mean"].get<double>(),
                m2[k]["metrics"]["psnr"]["mean"].get<double>(), 0.01)
        << m1[k]["label"];
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "two/report.html"));

  // Without --generators the experiment trains its VAE, here on the two ranks; every rank then
  // loads the checkpoint rank 0 wrote.
  auto trained = run_genreg(
      "--threads 1 --json experiment table1a --only hard/vae --epochs 1 --channels 4 --restarts 1 --validate "
      "0:2 "
      "--report 100:102 --iterations 5 --nproc 2 --out " +
      (dir / "trained"));
  ASSERT_EQ(trained.status, 0) << trained.err;
  const auto training =
      nlohmann::json::parse(genreg::read_file(dir / "trained/generators/vae_train/results.json"));
  EXPECT_EQ(training["settings"]["ranks"], 2);
  EXPECT_EQ(training["results"]["data_parallel"]["ranks"], 2);
}

// evaluate --nproc 2: each rank projects half of the test images onto the generator's range; rank 0
// writes the folder with one process's latent codes.
TEST(DistributedCli, ShardedEvaluationProjectsAsOneProcess) {
  if (!genreg::ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  TempDir dir;
  const std::string common = " evaluate --dataset mnist --generator " + std::string(GENREG_SOURCE_DIR) +
                             "/docs/models/mnist/vae.pt --count 12 --emd-count 30 --iterations 15 "
                             "--far-count 3 --no-quality --no-reference --out ";
  auto one = run_genreg("--threads 2 --json" + common + (dir / "one"));
  ASSERT_EQ(one.status, 0) << one.err;
  auto two = run_genreg("--threads 1 --json" + common + (dir / "two") + " --nproc 2");
  ASSERT_EQ(two.status, 0) << two.err;
  const auto z1 = genreg::load_tensor(dir / "one/vae/latents.pt"),
             z2 = genreg::load_tensor(dir / "two/vae/latents.pt");
  ASSERT_EQ(z1.sizes(), z2.sizes());
  EXPECT_EQ(z1.size(0), 12);
  EXPECT_LT((z1 - z2).abs().max().item<double>(), 1e-3);
  const auto g1 = nlohmann::json::parse(one.out)["results"]["generators"][0];
  const auto g2 = nlohmann::json::parse(two.out)["results"]["generators"][0];
  EXPECT_NEAR(g1["projection"]["metrics"]["psnr"]["mean"].get<double>(),
              g2["projection"]["metrics"]["psnr"]["mean"].get<double>(), 0.01);
  // The samples behind the EMD follow the seed alone: the same distance.
  EXPECT_NEAR(g1["emd"]["distance"].get<double>(), g2["emd"]["distance"].get<double>(),
              1e-6 * g1["emd"]["distance"].get<double>());
}

// experiment operator-shift --nproc 2: rank 0's parameter choice on the training acquisition is
// kept on every rank for the shifted ones; the table is one process's.
TEST(DistributedCli, OperatorShiftOnTwoRanksKeepsRankZerosChoice) {
  if (!genreg::ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  TempDir dir;
  const std::string common =
      " experiment operator-shift --parts mnist --only tv --validate 0:3 --report 100:104 --out ";
  auto one = run_genreg("--threads 2 --json" + common + (dir / "one"));
  ASSERT_EQ(one.status, 0) << one.err;
  auto two = run_genreg("--threads 1 --json" + common + (dir / "two") + " --nproc 2");
  ASSERT_EQ(two.status, 0) << two.err;
  const auto a1 = nlohmann::json::parse(one.out)["settings"]["parts"][0]["acquisitions"];
  const auto a2 = nlohmann::json::parse(two.out)["settings"]["parts"][0]["acquisitions"];
  ASSERT_EQ(a1.size(), 4u);
  ASSERT_EQ(a2.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_NEAR(a1[i]["psnr"]["tv"].get<double>(), a2[i]["psnr"]["tv"].get<double>(), 1e-4) << a1[i]["name"];
  EXPECT_EQ(genreg::read_file(dir / "one/table.md"), genreg::read_file(dir / "two/table.md"));
}

TEST(DistributedCli, BadGroupSettingsAreRefused) {
  auto bad = run_genreg("train --model ae --nproc 0 --out x.pt");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--nproc"), std::string::npos) << bad.err;
  auto timeout = run_genreg("train --model ae --nproc 2 --dist-timeout -1 --out x.pt");
  EXPECT_EQ(timeout.status, 2);
  EXPECT_NE(timeout.err.find("--dist-timeout"), std::string::npos) << timeout.err;
}

}  // namespace distributed_cli_test
