// genreg reconstruct: parses its options into a ReconstructionJob (pipeline/reconstruction_job.h)
// and runs it. Options a method does not read are refused, naming the ones it does.
#include <cmath>
#include <optional>
#include <vector>

#include "genreg/cli/cli.h"
#include "genreg/cli/option_domains.h"
#include "genreg/cli/parallel_args.h"
#include "genreg/core/error.h"
#include "genreg/pipeline/reconstruction_job.h"

namespace genreg::cli {
namespace {

struct ReconstructArgs {
  ReconstructionJob job;
  int64_t iterations = 0, restarts = 1, inner_iterations = 20, samples = 0, steps = 0;
  double tolerance = 0.0, adam_lr = 0.05, denoiser_sigma = 0.0, zeta = -1.0, eta = -1.0;
  bool no_box = false, large_variance = false, allow_operator_shift = false;
  std::string prior = "l2", optimizer = "backtracking", solver = "heun", clip;
  ParallelArgs parallel;
};

// The method settings that the options the user gave name (an option left at its default is not
// "given"): what check_settings compares with the method's list.
std::vector<std::string> given_settings(const CLI::App& cmd) {
  const std::vector<std::pair<std::string, std::string>> options = {
      {"--lambda", "lambda"},
      {"--lambda-grid", "lambda"},
      {"--mu", "mu"},
      {"--mu-grid", "mu"},
      {"--restarts", "restarts"},
      {"--prior", "prior"},
      {"--optimizer", "optimizer"},
      {"--adam-lr", "adam_lr"},
      {"--iterations", "iterations"},
      {"--tolerance", "tolerance"},
      {"--inner-iterations", "inner_iterations"},
      {"--no-box", "no_box"},
      {"--denoiser-sigma", "denoiser_sigma"},
      {"--samples", "samples"},
      {"--steps", "steps"},
      {"--zeta", "zeta"},
      {"--eta", "eta"},
      {"--large-variance", "large_variance"},
      {"--clip", "clip"},
      {"--solver", "solver"},
      {"--allow-operator-shift", "allow_operator_shift"}};
  std::vector<std::string> given;
  for (const auto& [option, setting] : options)
    if (cmd.get_option(option)->count() > 0) given.push_back(setting);
  return given;
}

void run_reconstruct(ReconstructArgs a, const CLI::App& cmd, Context& ctx) {
  check_settings(a.job.method, given_settings(cmd));
  // --nproc N: N ranks, each solving its share of the images; rank 0 writes the folder.
  if (a.parallel.launch_or_join(cmd, ctx)) return;
  a.job.group = a.parallel.group;
  require(a.iterations >= 0, "--iterations must not be negative (0: the method's default)");
  require(a.tolerance >= 0 && std::isfinite(a.tolerance), "--tolerance must be finite and non-negative");
  require(a.restarts >= 1, "--restarts must be at least 1");
  require(a.inner_iterations >= 1, "--inner-iterations must be at least 1");
  require(a.adam_lr > 0 && std::isfinite(a.adam_lr), "--adam-lr must be positive and finite");
  GenerativeOptions g;
  g.restarts(a.restarts)
      .prior(a.prior)
      .optimizer(a.optimizer)
      .adam_lr(a.adam_lr)
      .inner_iterations(a.inner_iterations);
  // --clip on|off (checked while parsing); absent: the method's default.
  const auto clip = a.clip.empty() ? std::nullopt : std::optional<bool>(a.clip == "on");
  a.job.settings = MethodSettings()
                       .iterations(a.iterations)
                       .tolerance(a.tolerance)
                       .box(!a.no_box)
                       .generative(g)
                       .denoiser_sigma(a.denoiser_sigma)
                       .samples(a.samples)
                       .steps(a.steps)
                       .zeta(a.zeta)
                       .eta(a.eta)
                       .large_variance(a.large_variance)
                       .clip(clip)
                       .solver(a.solver)
                       .allow_operator_shift(a.allow_operator_shift);
  a.job.device = ctx.device();
  a.job.seed = ctx.options().seed;
  const auto document = run_reconstruction_job(a.job, ctx.text());
  if (a.parallel.root()) ctx.emit(document);
}

}  // namespace

void add_reconstruct_command(CLI::App& app, Commands& commands) {
  auto* cmd =
      app.add_subcommand("reconstruct", "Reconstruct images from measurements with any registered method");
  auto a = std::make_shared<ReconstructArgs>();
  std::string methods;
  for (const auto& name : MethodRegistry::instance().names()) {
    const auto& info = MethodRegistry::instance().at(name);
    methods += "\n    " + name + ": " + info.summary +
               (!info.needs ? "" : " [needs " + needs_text(info.needs) + "]");
  }
  cmd->add_option("--measurements", a->job.measurements, "Measurement file from genreg simulate")->required();
  cmd->add_option("--method", a->job.method, "Method:" + methods)->required();
  cmd->add_option("--generator", a->job.generator, "Generative model checkpoint from genreg train");
  cmd->add_option("--denoiser", a->job.denoiser, "Denoiser checkpoint (plug-and-play methods)");
  cmd->add_option(
      "--denoiser-sigma", a->denoiser_sigma,
      "Plug-and-play: the denoiser's strength (pnp-hqs: the schedule's start; 0: the method's default)");
  cmd->add_option("--diffusion-model", a->job.diffusion,
                  "Diffusion model checkpoint (dps, diffpir, ddrm) from genreg train --model ddpm");
  cmd->add_option("--conditional-model", a->job.conditional,
                  "Conditional model checkpoint (cfm, postprocess) from genreg train --model KIND --operator "
                  "SPEC --noise S");
  cmd->add_option("--samples", a->samples, "Posterior samplers: samples per image (default 8)");
  cmd->add_option("--steps", a->steps,
                  "Posterior samplers: sampling steps (default dps 250, diffpir 100, ddrm 20; cfm: the "
                  "model's ODE steps, 10)");
  cmd->add_option("--solver", a->solver, "cfm: the ODE solver, euler or heun")->capture_default_str();
  cmd->add_flag("--allow-operator-shift", a->allow_operator_shift,
                "Conditional models: accept measurements of another operator or noise than the model was "
                "trained on");
  cmd->add_flag(
      "--large-variance", a->large_variance,
      "dps: ancestral noise at the step's beta (Ho et al.'s upper bound) instead of the posterior's");
  cmd->add_option("--clip", a->clip,
                  "Posterior samplers: on or off, clip Tweedie's x0 to the data's range at each step "
                  "(default dps, ddrm on; diffpir off)")
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("--zeta", a->zeta, "diffpir: share of fresh noise per step in [0, 1] (default 1)");
  cmd->add_option("--eta", a->eta, "ddrm: share of fresh noise per step in [0, 1] (default 0.85)");
  cmd->add_option(
      "--interval-scale", a->job.interval_scale,
      "Posterior samplers: report the calibrated interval mean +- C std (default: C fitted on the "
      "--validate images by split conformal prediction, when given)");
  cmd->add_option("--restarts", a->restarts,
                  "Initial latent vectors per image (the lowest objective is kept)")
      ->capture_default_str();
  cmd->add_option("--mu", a->job.mu, "Weight of the latent prior inside the regulariser (relaxed, sparse)")
      ->capture_default_str();
  cmd->add_option("--mu-grid", a->job.mu_grid, "Geometric grid of mu, chosen with lambda on --validate");
  cmd->add_option("--prior", a->prior, "Latent prior: l2, sphere or none")->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "backtracking (the paper's algorithms) or adam (hard, pgd)")
      ->capture_default_str();
  cmd->add_option("--adam-lr", a->adam_lr, "Adam's learning rate on z")->capture_default_str();
  cmd->add_option("--inner-iterations", a->inner_iterations,
                  "pgd: descent steps per projection; sparse-tv: TV prox iterations")
      ->capture_default_str();
  cmd->add_option("--lambda", a->job.lambda, "Regularisation parameter, or auto:discrepancy");
  cmd->add_option("--lambda-grid", a->job.lambda_grid,
                  "Geometric grid A:B:N (with --validate or --lambda auto:discrepancy)");
  cmd->add_option("--validate", a->job.validate,
                  "Images START:STOP whose ground truth chooses lambda (and mu) by mean PSNR (positions in "
                  "the measurement file)");
  cmd->add_option("--out", a->job.out, "Output folder")->required();
  cmd->add_option("--iterations", a->iterations, "Maximum solver iterations (0: the method's default)");
  cmd->add_option("--tolerance", a->tolerance, "Solver stopping tolerance (0: the method's default)");
  cmd->add_flag("--no-box", a->no_box,
                "TV and plug-and-play: do not constrain the image to [0, 1]; posterior samplers: do not "
                "clamp the samples to [0, 1]");
  cmd->add_option("--trace", a->job.trace,
                  "Record PSNR and data discrepancy after every iteration on the first N report images at "
                  "the chosen parameters (iterations.png, results.json \"iterations\"; solved once more)");
  cmd->add_option("--batch", a->job.batch,
                  "Samples solved at once: images x parameter values x restarts (the same in every command)")
      ->capture_default_str();
  a->parallel.add_to(cmd, "its share of the images (and of the validation images of a sweep)");
  check_domains(cmd, {{"--restarts", positive_integer(10000)},
                      {"--adam-lr", positive_real()},
                      {"--inner-iterations", positive_integer(100000)},
                      {"--iterations", non_negative_integer(10000000)},
                      {"--tolerance", non_negative_real()},
                      {"--denoiser-sigma", real_in_half_open(0.0, 1.0)},
                      {"--samples", positive_integer(10000)},
                      {"--steps", positive_integer(100000)},
                      {"--zeta", real_in_closed(0.0, 1.0)},
                      {"--eta", real_in_closed(0.0, 1.0)},
                      {"--interval-scale", positive_real()},
                      {"--trace", positive_integer(100000)},
                      {"--batch", positive_integer(1 << 24)}});
  commands.add(cmd, [a, cmd](Context& ctx) { run_reconstruct(*a, *cmd, ctx); });
}

}  // namespace genreg::cli
