// genreg experiment ID|PATH.json|operator-shift: the paper's experiments (spec files in experiments/,
// or a user's spec file) and the conditional-model trade-off as one command each (PROTOCOL.md,
// "Reference experiments").
#include <filesystem>

#include "genreg/cli/cli.h"
#include "genreg/cli/option_domains.h"
#include "genreg/cli/parallel_args.h"
#include "genreg/core/error.h"
#include "genreg/pipeline/experiment_runner.h"
#include "genreg/pipeline/operator_shift.h"

namespace genreg::cli {

void add_experiment_command(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand(
      "experiment",
      "Run one of the paper's experiments: train the generators and denoisers (or load them), "
      "simulate, choose parameters, reconstruct, tabulate");
  auto id = std::make_shared<std::string>();
  auto a = std::make_shared<ExperimentArgs>();
  std::string ids;
  for (const auto& k : experiment_ids()) ids += (ids.empty() ? "" : ", ") + k;
  cmd->add_option("id", *id, "Experiment: " + ids + ", or a spec file PATH.json (experiments/README.md)")
      ->required();
  auto parts = std::make_shared<std::vector<std::string>>();
  auto parallel = std::make_shared<ParallelArgs>();
  parallel->add_to(cmd, "its share of every training batch and of the images of every sweep and solve");
  cmd->add_option(
      "--parts", *parts,
      "Studies over several acquisitions (operator-shift): the parts to run, e.g. mnist (table1a's cs:150) "
      "and/or shapes (table1b's tomo); default all");
  cmd->add_option("--out", a->out, "Output folder (default: the experiment's id)");
  cmd->add_option(
      "--generators", a->generators,
      "Folder with KIND.pt checkpoints (ae.pt, vae.pt, wgan-gp.pt, drunet.pt, ddpm.pt) and conditional "
      "models named for their acquisition (cfm-cs150-sigma0.1.pt, postprocess-tomo-sigma0.1.pt); default: "
      "train them");
  cmd->add_option("--restarts", a->restarts,
                  "Initial latent vectors per image (default: the experiment's, 4 for table1a, 1 for the "
                  "tomography experiments)");
  cmd->add_option("--iterations", a->iterations, "Iterations of every generative solve")
      ->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "Training epochs of every generator (default: each recipe's)");
  cmd->add_option("--channels", a->channels, "Base channels of trained generators")->capture_default_str();
  cmd->add_option("--only", a->only, "Run only these methods, e.g. --only hard/vae tv");
  cmd->add_option("--validate", a->validation,
                  "Images START:STOP whose ground truth chooses lambda (and mu) by mean PSNR (test images; "
                  "default 0:20)");
  cmd->add_option("--report", a->report, "Test indices to report on (default 100:200)");
  cmd->add_option("--batch", a->batch,
                  "Samples solved at once: images x parameter values x restarts (the same in every command)")
      ->capture_default_str();
  cmd->footer(
      "Results are kept per method under OUT/methods/ and generators under OUT/generators/: "
      "running the same command again after a kill continues where it stopped.");
  check_domains(cmd, {{"--restarts", positive_integer(10000)},
                      {"--iterations", positive_integer(10000000)},
                      {"--epochs", positive_integer(100000)},
                      {"--channels", positive_integer(1024)},
                      {"--batch", positive_integer(1 << 24)}});
  commands.add(cmd, [id, a, parts, parallel, cmd](Context& ctx) {
    auto args = *a;
    // Default folder: the id, or a spec file's name without .json.
    if (args.out.empty()) args.out = std::filesystem::path(*id).stem().string();
    if (parallel->launch_or_join(*cmd, ctx)) return;
    // The spec decides the runner: a study over several acquisitions ("parts") or one experiment.
    std::string path;
    const auto document = read_experiment_document(*id, &path);
    args = with_context(args, ctx);
    args.group = parallel->group;
    nlohmann::json summary;
    if (is_shift_study(document)) {
      // --generators: a folder of one models folder per part (docs/models: mnist/, shapes/).
      summary = run_operator_shift(parse_operator_shift(document, path), args, *parts, ctx.text());
    } else {
      require(parts->empty(), "--parts is for studies over several acquisitions (operator-shift)");
      summary = run_experiment(parse_experiment_spec(document, path), args, ctx.text());
    }
    if (parallel->root()) ctx.emit(summary);
  });
}

}  // namespace genreg::cli
