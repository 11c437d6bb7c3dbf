#include "genreg/cli/cli.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <limits>

#include "genreg/cli/option_domains.h"
#include "genreg/core/error.h"
#include "genreg/core/provenance.h"
#include "genreg/core/runtime.h"
#include "genreg/core/source_dir.h"
#include "genreg/operators/ct_ray_transform.h"

namespace genreg::cli {
namespace {

// The sizes asked for do not fit: say so with the machine's memory, and what to lower.
std::string out_of_memory_message() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  std::string total;
  if (pages > 0 && page > 0) {
    char text[64];
    std::snprintf(text, sizeof text, " (this machine has %.1f GiB)",
                  static_cast<double>(pages) * static_cast<double>(page) / (1024.0 * 1024.0 * 1024.0));
    total = text;
  }
  return "out of memory: the sizes asked for need more memory than is free" + total +
         "; lower --batch, the image count or the operator's size";
}

}  // namespace

namespace {

// The first line of a message: LibTorch errors carry a stack trace after it.
std::string first_line(const std::string& message) {
  const auto end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end);
}

// The deepest subcommand the user chose.
CLI::App* selected_leaf(CLI::App* app) {
  for (auto* sub : app->get_subcommands()) return selected_leaf(sub);
  return app;
}

}  // namespace

int default_blas_threads(CLI::App* command) {
  // Iterative solvers apply small matrices thousands of times: one BLAS thread (runtime.h). The
  // generator evaluation's projections ran 2x faster so (9.6 s against 18.9 s for 200 mnist
  // images); training, inside experiment and demo, is indifferent to it (BENCHMARKS.md).
  const auto name = command->get_name();
  return name == "reconstruct" || name == "evaluate" || name == "experiment" || name == "demo" ? 1 : 0;
}

bool interactive(const Context& ctx) { return !ctx.options().json && isatty(STDOUT_FILENO); }

void Context::emit(const nlohmann::json& summary) const {
  if (options_.json) std::cout << summary.dump(2) << std::endl;
}

int run_cli(int argc, char** argv, bool program) {
  set_invocation(std::vector<std::string>(argv, argv + argc));
  CLI::App app{"genreg: inverse problems in imaging with generative regularisers", "genreg"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");
  app.set_version_flag("--version",
                       std::string("genreg ") + GENREG_VERSION + " (LibTorch " + TORCH_VERSION + ")");
  GlobalOptions options;
  app.add_option("--device", options.device, "Compute device: cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--threads", options.threads, "CPU threads (0: every core)")->capture_default_str();
  app.add_option("--blas-threads", options.blas_threads,
                 "BLAS threads (0: 1 for iterative reconstruction, every core otherwise)")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Random seed")->capture_default_str();
  app.add_option("--operator-memory", options.operator_memory_gib,
                 "GiB a stored operator matrix may take (0: a quarter of the machine's memory); CT operators "
                 "compute on the fly beyond it")
      ->capture_default_str();
  check_domains(&app, {{"--threads", thread_count()},
                       {"--blas-threads", thread_count()},
                       {"--seed", integer_in(0, std::numeric_limits<int64_t>::max())},
                       {"--operator-memory", real_in_closed(0.0, 1e6)}});
  app.add_flag("--json", options.json, "Print a machine-readable JSON summary on stdout");

  Commands commands;
  add_data_command(app, commands);
  add_metrics_command(app, commands);
  add_simulate_command(app, commands);
  add_reconstruct_command(app, commands);
  add_train_command(app, commands);
  add_sample_command(app, commands);
  add_experiment_command(app, commands);
  add_evaluate_command(app, commands);
  add_export_command(app, commands);
  add_demo_command(app, commands);
  // Global options may also follow the subcommand (genreg data show ... --json).
  std::function<void(CLI::App*)> allow_global = [&](CLI::App* a) {
    for (auto* sub : a->get_subcommands({})) {
      sub->fallthrough();
      allow_global(sub);
    }
  };
  allow_global(&app);

  // Name an unknown command as such (CLI11 would only say that a subcommand is required).
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--device" || word == "--threads" || word == "--blas-threads" || word == "--seed" ||
        word == "--operator-memory") {
      ++i;
      continue;
    }
    if (word == "--version") break;
    if (word.empty() || word[0] == '-') continue;
    bool known = false;
    for (auto* sub : app.get_subcommands({})) known = known || sub->check_name(word);
    if (!known) {
      std::cerr << "genreg: error: unknown command '" << word << "' (see genreg --help)" << std::endl;
      return 2;
    }
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "genreg: error: " << first_line(e.what()) << " (see genreg --help)" << std::endl;
    return 2;
  }

  try {
    Context context(options);
    context.set_arguments(std::vector<std::string>(argv + 1, argv + argc));
    context.set_can_start_ranks(program);
    // The main thread's mode again, in case the loader skipped the preinit hook (cli/main.cpp).
    flush_denormals();
    configure_threads(options.threads);
    if (options.operator_memory_gib > 0.0)
      set_operator_memory_budget(static_cast<int64_t>(options.operator_memory_gib * 1073741824.0));
    CLI::App* leaf = selected_leaf(&app);
    const int blas = options.blas_threads > 0 ? options.blas_threads : default_blas_threads(leaf);
    if (blas > 0) set_blas_threads(blas);
    context.set_device(parse_device(options.device));
    torch::manual_seed(options.seed);
    const Command* command = commands.find(leaf);
    if (command == nullptr) {
      std::cerr << "genreg: error: '" << leaf->get_name() << "' needs a subcommand (see genreg "
                << leaf->get_name() << " --help)" << std::endl;
      return 2;
    }
    (*command)(context);
    return 0;
  } catch (const genreg::Error& e) {
    std::cerr << "genreg: error: " << first_line(e.what()) << std::endl;
    return 2;
  } catch (const c10::Error& e) {
    // A LibTorch check that genreg's own validation did not anticipate: report the message only.
    const std::string message = e.what_without_backtrace();
    if (message.find("can't allocate memory") != std::string::npos ||
        message.find("out of memory") != std::string::npos) {
      std::cerr << "genreg: error: " << out_of_memory_message() << std::endl;
      return 2;
    }
    std::cerr << "genreg: error: " << first_line(message) << std::endl;
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "genreg: error: " << out_of_memory_message() << std::endl;
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the command could not use (a file where a folder belongs, no permission, no space).
    std::cerr << "genreg: error: cannot use " << e.path1().string() << ": " << e.code().message()
              << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "genreg: error: " << first_line(e.what()) << std::endl;
    return 1;
  }
}

}  // namespace genreg::cli
