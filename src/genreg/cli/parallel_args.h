#pragma once
// The data-parallel options a command shares (--nproc, --dist-timeout) and what they do: in the
// process a user started, --nproc N starts N ranks of the same command (distributed/
// local_launcher.h); in a rank, or in a process started by torchrun, the command joins the group.
#include <CLI/CLI.hpp>

#include "genreg/cli/cli.h"
#include "genreg/distributed/process_group.h"

namespace genreg::cli {

struct ParallelArgs {
  int nproc = 1;
  double timeout = 600.0;

  // `what`: what each rank takes ("its share of every batch", "its share of the images").
  void add_to(CLI::App* command, const std::string& what);
  // Starts the ranks and waits for them when this process is the launcher: returns true, and the
  // command is done (a failed rank throws genreg::Error naming it). Otherwise returns false and
  // `group` holds the group this process joined (null: one process); with a CUDA device and no
  // index, the rank takes device LOCAL_RANK.
  bool launch_or_join(const CLI::App& command, Context& ctx);
  ProcessGroupPtr group;
  bool root() const { return is_root(group); }
};

}  // namespace genreg::cli
