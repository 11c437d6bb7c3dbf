// genreg reconstruct: parses its options into a ReconstructionJob (pipeline/reconstruction_job.h)
// and runs it. The method settings' options are made from the methods' declarations
// (solvers/method_settings.h); options a method does not read are refused, naming the ones it does.
#include <cctype>
#include <map>
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
  // Every method setting's option by setting name: the text given, or the flag.
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;
  std::vector<std::string> grids;  // --grid NAME=A:B:N
  std::string mu_grid;
  ParallelArgs parallel;
};

// A declared setting's option: its help names the methods that read it and its domain; CLI11 checks
// the value while it parses (exit status 2, like every other option's domain).
void add_setting_option(CLI::App* cmd, const MethodRegistry::DeclaredSetting& d, ReconstructArgs& a) {
  const auto& spec = d.spec;
  std::string methods;
  for (const auto& m : d.methods) methods += (methods.empty() ? "" : ", ") + m;
  std::string help = spec.help;
  if (!help.empty()) help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
  help += " [" + methods + "]";
  if (spec.type == SettingType::flag) {
    cmd->add_flag(spec.spelled("--"), a.flags[spec.name], help);
    return;
  }
  cmd->add_option(spec.spelled("--"), a.values[spec.name], help)
      ->check(CLI::Validator(
          [spec](std::string& text) -> std::string {
            try {
              spec.parse(text, "--");
              return "";
            } catch (const Error&) {
              return "must be " + spec.domain_text() + ", got '" + text + "'";
            }
          },
          spec.domain_text()));
}

void run_reconstruct(ReconstructArgs a, const CLI::App& cmd, Context& ctx) {
  const auto& info = MethodRegistry::instance().at(a.job.method);
  // The settings given (an option left out is not given): each one the method must read.
  MethodSettings settings;
  for (const auto& d : MethodRegistry::instance().declared_settings()) {
    if (d.spec.name == "lambda" || cmd.get_option(d.spec.spelled("--"))->count() == 0) continue;
    info.setting(d.spec.name);
    settings.set(d.spec.name, d.spec.type == SettingType::flag
                                  ? nlohmann::json(true)
                                  : d.spec.parse(a.values.at(d.spec.name), "--"));
  }
  if (cmd.get_option("--lambda")->count() + cmd.get_option("--lambda-grid")->count() > 0)
    check_setting_names(a.job.method, {"lambda"});
  for (const auto& text : a.grids) {
    const auto eq = text.find('=');
    require(eq != std::string::npos && eq > 0, "--grid takes SETTING=A:B:N, got '", text, "'");
    const auto name = text.substr(0, eq);
    require(!a.job.grids.count(name), "--grid ", name, " is given twice");
    a.job.grids[name] = text.substr(eq + 1);
  }
  if (!a.mu_grid.empty()) {
    require(!a.job.grids.count("mu"), "give either --mu-grid or --grid mu=..., not both");
    a.job.grids["mu"] = a.mu_grid;
  }
  for (const auto& [name, grid] : a.job.grids) info.setting(name);
  a.job.settings = check_settings(a.job.method, settings);
  // --nproc N: N ranks, each solving its share of the images; rank 0 writes the folder.
  if (a.parallel.launch_or_join(cmd, ctx)) return;
  a.job.group = a.parallel.group;
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
  cmd->add_option("--diffusion-model", a->job.diffusion,
                  "Diffusion model checkpoint (dps, diffpir, ddrm) from genreg train --model ddpm");
  cmd->add_option("--conditional-model", a->job.conditional,
                  "Conditional model checkpoint (cfm, postprocess) from genreg train --model KIND --operator "
                  "SPEC --noise S");
  cmd->add_option("--lambda", a->job.lambda, "Regularisation parameter, or auto:discrepancy");
  cmd->add_option("--lambda-grid", a->job.lambda_grid,
                  "Geometric grid A:B:N (with --validate or --lambda auto:discrepancy)");
  cmd->add_option("--grid", a->grids,
                  "SETTING=A:B:N: a geometric grid of a searchable setting (mu, denoiser-sigma), chosen "
                  "with lambda on --validate; repeatable");
  cmd->add_option("--mu-grid", a->mu_grid,
                  "Geometric grid of mu, chosen with lambda on --validate (--grid mu=...)");
  cmd->add_option(
      "--validate", a->job.validate,
      "Images START:STOP whose ground truth chooses lambda (and the grids) by mean PSNR (positions "
      "in the measurement file)");
  // The methods' settings, one option each (solvers/method_settings.h).
  for (const auto& d : MethodRegistry::instance().declared_settings())
    if (d.spec.name != "lambda") add_setting_option(cmd, d, *a);
  cmd->add_option(
      "--interval-scale", a->job.interval_scale,
      "Posterior samplers: report the calibrated interval mean +- C std (default: C fitted on the "
      "--validate images by split conformal prediction, when given)");
  cmd->add_option("--out", a->job.out, "Output folder")->required();
  cmd->add_option("--trace", a->job.trace,
                  "Record PSNR and data discrepancy after every iteration on the first N report images at "
                  "the chosen parameters (iterations.png, results.json \"iterations\"; solved once more)");
  cmd->add_option("--batch", a->job.batch,
                  "Samples solved at once: images x parameter values x restarts (the same in every command)")
      ->capture_default_str();
  a->parallel.add_to(cmd, "its share of the images (and of the validation images of a sweep)");
  check_domains(cmd, {{"--interval-scale", positive_real()},
                      {"--trace", positive_integer(100000)},
                      {"--batch", positive_integer(1 << 24)}});
  commands.add(cmd, [a, cmd](Context& ctx) { run_reconstruct(*a, *cmd, ctx); });
}

}  // namespace genreg::cli
