// torch's c10d engine under genreg's ProcessGroup, with ranks as threads of one process: the
// collectives compute what they say, shards tile a batch, and gradient averaging gives the
// gradient of the global batch's mean loss.
#include "genreg/distributed/process_group.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "genreg/core/error.h"
#include "genreg/distributed/gradient_averaging.h"

namespace genreg {
namespace process_group_test {

// Runs body(rank, group) on `size` threads joined in one group named `name`; rethrows a failure.
void on_ranks(const std::string& name, int size, const std::function<void(int, ProcessGroup&)>& body) {
  std::vector<std::thread> threads;
  std::vector<std::string> errors(static_cast<size_t>(size));
  for (int r = 0; r < size; ++r)
    threads.emplace_back([&, r] {
      try {
        auto group = ProcessGroup::connect_in_process(name, r, size);
        body(r, *group);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int r = 0; r < size; ++r) EXPECT_EQ(errors[static_cast<size_t>(r)], "") << "rank " << r;
}

TEST(ProcessGroup, ShardsTileTheBatchInRankOrder) {
  for (int64_t count : {1, 7, 16, 63})
    for (int size : {1, 2, 3, 5}) {
      int64_t next = 0;
      for (int r = 0; r < size; ++r) {
        const auto [begin, end] = shard_rows(count, r, size);
        EXPECT_EQ(begin, next);
        EXPECT_LE(end - begin, count / size + 1);
        EXPECT_GE(end - begin, count / size);
        next = end;
      }
      EXPECT_EQ(next, count);
    }
}

TEST(ProcessGroup, CollectivesComputeSumsBroadcastsAndGathers) {
  if (!ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  on_ranks("collectives", 3, [](int rank, ProcessGroup& group) {
    EXPECT_EQ(group.rank(), rank);
    EXPECT_EQ(group.size(), 3);
    auto t = torch::arange(5, torch::kFloat32) * (rank + 1);
    group.all_reduce_sum(t);
    EXPECT_TRUE(torch::equal(t, torch::arange(5, torch::kFloat32) * 6));
    auto b = torch::full({2, 2}, static_cast<double>(rank), torch::kFloat64);
    group.broadcast(b, 2);
    EXPECT_TRUE(torch::equal(b, torch::full({2, 2}, 2.0, torch::kFloat64)));
    // Rows that differ in count by rank: rank r holds r + 1 rows of value r.
    const auto rows = torch::full({rank + 1, 3}, static_cast<float>(rank));
    const auto all = group.all_gather_rows(rows);
    ASSERT_EQ(all.sizes(), (std::vector<int64_t>{6, 3}));
    const std::vector<float> expected{0, 1, 1, 2, 2, 2};
    for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(all[i][1].item<float>(), expected[static_cast<size_t>(i)]);
    group.barrier();
  });
}

// sum_r share_r grad(mean loss of shard r) = grad(mean loss of the whole batch), for shards of
// unequal size (7 and 8 of 15) and gradients spread over several buckets.
TEST(ProcessGroup, GradientAveragingGivesTheGlobalBatchGradient) {
  if (!ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  torch::manual_seed(3);
  const auto x = torch::randn({15, 6}, torch::kFloat64);
  const auto w0 = torch::randn({6, 4}, torch::kFloat64), b0 = torch::randn({4}, torch::kFloat64);
  auto loss_of = [](const torch::Tensor& w, const torch::Tensor& b, const torch::Tensor& rows) {
    return torch::tanh(rows.matmul(w) + b).pow(2).sum(1).mean();
  };
  auto w = w0.clone().requires_grad_(true), b = b0.clone().requires_grad_(true);
  loss_of(w, b, x).backward();
  const auto gw = w.grad().clone(), gb = b.grad().clone();
  on_ranks("gradients", 2, [&](int rank, ProcessGroup& group) {
    auto wr = w0.clone().requires_grad_(true), br = b0.clone().requires_grad_(true);
    const auto [begin, end] = shard_rows(15, rank, 2);
    loss_of(wr, br, x.narrow(0, begin, end - begin)).backward();
    // 64-byte buckets: w's 192 bytes travel alone, then b.
    GradientAverager averager(std::shared_ptr<ProcessGroup>(&group, [](ProcessGroup*) {}), 64);
    averager.average({wr, br}, static_cast<double>(end - begin) / 15.0);
    EXPECT_LT((wr.grad() - gw).abs().max().item<double>(), 1e-12);
    EXPECT_LT((br.grad() - gb).abs().max().item<double>(), 1e-12);
    EXPECT_EQ(averager.all_reduces(), 2);
    const auto mean = averager.average_values({static_cast<double>(rank)}, rank == 0 ? 0.25 : 0.75);
    EXPECT_DOUBLE_EQ(mean[0], 0.75);
  });
}

TEST(ProcessGroup, TorchrunVariablesAreReadAndChecked) {
  ::unsetenv("WORLD_SIZE");
  EXPECT_FALSE(DistributedOptions::from_environment().has_value());
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("RANK", "2", 1);
  ::setenv("MASTER_PORT", "29877", 1);
  const auto o = DistributedOptions::from_environment();
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->world_size(), 4);
  EXPECT_EQ(o->rank(), 2);
  EXPECT_EQ(o->local_rank(), 2);
  EXPECT_EQ(o->master_port(), 29877);
  ::setenv("RANK", "4", 1);
  EXPECT_THROW(DistributedOptions::from_environment(), Error);
  ::setenv("RANK", "x", 1);
  EXPECT_THROW(DistributedOptions::from_environment(), Error);
  for (const char* v : {"WORLD_SIZE", "RANK", "MASTER_PORT"}) ::unsetenv(v);
}

}  // namespace process_group_test
}  // namespace genreg
