#include "genreg/cli/parallel_args.h"

#include "genreg/cli/option_domains.h"
#include "genreg/core/error.h"
#include "genreg/distributed/local_launcher.h"

namespace genreg::cli {

void ParallelArgs::add_to(CLI::App* command, const std::string& what) {
  command
      ->add_option("--nproc", nproc,
                   "Data-parallel ranks on this machine, each taking " + what +
                       " (threads per rank: cores / N unless --threads is given). A process started "
                       "with torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) joins "
                       "their group instead")
      ->capture_default_str();
  command
      ->add_option("--dist-timeout", timeout,
                   "Data-parallel: seconds a rank waits for a silent peer before failing")
      ->capture_default_str();
  check_domains(command, {{"--nproc", integer_in(1, 1024)}, {"--dist-timeout", positive_real()}});
}

bool ParallelArgs::launch_or_join(const CLI::App& command, Context& ctx) {
  const auto environment = DistributedOptions::from_environment();
  if (nproc > 1 && !environment) {
    // The host first: inside Python no build could start copies of itself.
    require(ctx.can_start_ranks(),
            "--nproc starts copies of the genreg program, which this host is not; run the genreg program, "
            "or start this one under torchrun (each copy then joins the group)");
    require(ProcessGroup::available(),
            "--nproc needs a genreg built with Gloo's headers beside its LibTorch (Debian's libtorch-dev and "
            "libgloo-dev; PyPI's torch ships none)");
    LocalLaunchOptions launch;
    launch.nproc = nproc;
    launch.threads_per_rank = ctx.options().threads;
    const auto result = launch_local_ranks(ctx.arguments(), launch);
    require(result.ok(), command.get_name(), " on ", nproc, " ranks failed: ", result.describe());
    return true;
  }
  if (environment && command.count("--nproc"))
    require(nproc == environment->world_size(), "--nproc ", nproc,
            " disagrees with WORLD_SIZE=", environment->world_size());
  if (environment && environment->world_size() > 1) {
    auto options = *environment;
    group = ProcessGroup::connect(options.timeout_seconds(timeout));
    if (ctx.device().is_cuda() && !ctx.device().has_index())
      ctx.set_device(torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(options.local_rank())));
  }
  return false;
}

}  // namespace genreg::cli
