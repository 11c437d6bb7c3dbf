#pragma once
// The genreg command-line program. Every subcommand lives in its own file and registers itself
// with add_*_command; run_cli parses, applies the global options and runs the chosen command.
// Exit status: 0 on success, 2 on bad input or usage (a one-line "genreg: error: ..." on stderr),
// 1 on an internal failure.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace genreg::cli {

struct GlobalOptions {
  std::string device = "cpu";
  int threads = 0;       // 0: every core
  int blas_threads = 0;  // 0: the command's choice
  uint64_t seed = 0;
  bool json = false;
  double operator_memory_gib = 0.0;  // 0: the default budget (a quarter of the machine's memory)
};

// What a command sees: the resolved device and where to write. With --json the machine-readable
// summary goes to stdout and human-readable lines to stderr; without it, lines go to stdout.
class Context {
 public:
  explicit Context(const GlobalOptions& options) : options_(options) {}
  const GlobalOptions& options() const { return options_; }
  torch::Device device() const { return device_; }
  void set_device(torch::Device device) { device_ = device; }
  std::ostream& text() const { return options_.json ? std::cerr : std::cout; }
  // The program's arguments (argv[1..]): a command that starts ranks runs them again.
  const std::vector<std::string>& arguments() const { return arguments_; }
  void set_arguments(std::vector<std::string> arguments) { arguments_ = std::move(arguments); }
  // True in the genreg program (its copies can run the same arguments as ranks).
  bool can_start_ranks() const { return can_start_ranks_; }
  void set_can_start_ranks(bool can) { can_start_ranks_ = can; }
  // Prints `summary` on stdout when --json was given.
  void emit(const nlohmann::json& summary) const;

 private:
  const GlobalOptions& options_;
  torch::Device device_{torch::kCPU};
  std::vector<std::string> arguments_;
  bool can_start_ranks_ = false;
};

using Command = std::function<void(Context&)>;

// True when progress lines may be redrawn in place: stdout is a terminal and not taken by --json.
bool interactive(const Context& ctx);

// A library job's options with the context's device and seed (and whether stdout is a terminal).
template <typename Args>
Args with_context(Args args, const Context& ctx) {
  args.device = ctx.device();
  args.seed = ctx.options().seed;
  args.terminal = interactive(ctx);
  return args;
}

// BLAS threads a command wants when --blas-threads is not given (0: the library's default).
int default_blas_threads(CLI::App* command);

// Registry of the commands a parse may select, keyed by their CLI11 (sub)command.
class Commands {
 public:
  void add(CLI::App* app, Command command) { commands_[app] = std::move(command); }
  const Command* find(CLI::App* app) const {
    auto it = commands_.find(app);
    return it == commands_.end() ? nullptr : &it->second;
  }

 private:
  std::map<CLI::App*, Command> commands_;
};

void add_data_command(CLI::App& app, Commands& commands);
void add_metrics_command(CLI::App& app, Commands& commands);
void add_demo_command(CLI::App& app, Commands& commands);
void add_simulate_command(CLI::App& app, Commands& commands);
void add_reconstruct_command(CLI::App& app, Commands& commands);
void add_train_command(CLI::App& app, Commands& commands);
void add_sample_command(CLI::App& app, Commands& commands);
void add_experiment_command(CLI::App& app, Commands& commands);
void add_evaluate_command(CLI::App& app, Commands& commands);
void add_export_command(CLI::App& app, Commands& commands);

// `program`: true in the genreg executable itself, whose copies --nproc may start; a host that
// runs commands in its own process (the Python module) passes false.
int run_cli(int argc, char** argv, bool program = false);

}  // namespace genreg::cli
