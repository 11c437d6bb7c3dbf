#include "genreg/pipeline/sharded_solves.h"

#include <chrono>
#include <limits>

namespace genreg {
namespace {

torch::Tensor shard_positions(const ProcessGroup& group, int64_t images) {
  const auto [begin, end] = shard_rows(images, group.rank(), group.size());
  return torch::arange(begin, end, torch::kLong);
}

// Every rank's rows of `part` along `dim`, in rank order (undefined stays undefined: the same
// method leaves the same fields undefined on every rank).
torch::Tensor gather(ProcessGroup& group, const torch::Tensor& part, int64_t dim = 0) {
  if (!part.defined()) return part;
  const auto device = part.device();
  const auto rows = part.transpose(0, dim).to(torch::kCPU).contiguous();
  return group.all_gather_rows(rows).transpose(0, dim).contiguous().to(device);
}

}  // namespace

SweepResult sharded_sweep_lambdas(const ProcessGroupPtr& group, const Reconstructor& method,
                                  const Measurements& m, const std::vector<double>& lambdas,
                                  int64_t max_samples, const ProgressReport& progress,
                                  const ProgressLog& log) {
  if (!splits_rows(group, m.size())) return sweep_lambdas(method, m, lambdas, max_samples, progress, log);
  const auto start = std::chrono::steady_clock::now();
  const auto local = m.select(shard_positions(*group, m.size()).to(m.y.device()));
  auto out = sweep_lambdas(method, local, lambdas, max_samples, progress, log);
  // (L, N, ...) fields: images along dimension 1.
  for (auto field :
       {&SweepResult::x, &SweepResult::discrepancy, &SweepResult::psnr, &SweepResult::start_objective,
        &SweepResult::start_discrepancy, &SweepResult::start_psnr, &SweepResult::samples})
    out.*field = gather(*group, out.*field, 1);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.summary.seconds = out.seconds;
  return out;
}

Reconstruction sharded_reconstruct(const ProcessGroupPtr& group, const Reconstructor& method,
                                   const Measurements& m, const torch::Tensor& lambda, int64_t max_samples,
                                   SolverSummary* summary, const ProgressLog& log, double interval) {
  if (!splits_rows(group, m.size()))
    return reconstruct(method, m, lambda, max_samples, summary, log, interval);
  const auto start = std::chrono::steady_clock::now();
  const auto positions = shard_positions(*group, m.size());
  auto out =
      reconstruct(method, m.select(positions.to(m.y.device())),
                  lambda.index_select(0, positions.to(lambda.device())), max_samples, summary, log, interval);
  for (auto field : kReconstructionFields) out.*field = gather(*group, out.*field);
  if (summary)
    summary->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace genreg
