// genreg demo: the README's main job, the whole pipeline on the default data. A VAE trained on
// mnist by genreg (committed under docs/models/mnist/ with the command that made it, or trained
// afresh with --train), compressed-sensing measurements cs:150 of test digits with noise 0.1
// (PROTOCOL's table1a problem), reconstructions by the hard constraint, sparse deviation and TV
// with parameters chosen on validation images, and an HTML report with images and metrics.
#include <filesystem>

#include "genreg/cli/cli.h"
#include "genreg/cli/option_domains.h"
#include "genreg/core/error.h"
#include "genreg/core/source_dir.h"
#include "genreg/pipeline/experiment_runner.h"

namespace genreg::cli {

void add_demo_command(CLI::App& app, Commands& commands) {
  auto* demo = app.add_subcommand(
      "demo", "The main job: VAE on mnist -> cs:150 measurements -> hard, sparse and TV -> HTML report");
  struct Args {
    ExperimentArgs run;
    bool train = false;
  };
  auto a = std::make_shared<Args>();
  a->run.out = "demo";
  a->run.restarts = 4;
  a->run.generators = std::string(GENREG_SOURCE_DIR) + "/docs/models/mnist";
  demo->add_option("--out", a->run.out, "Output folder")->capture_default_str();
  demo->add_option("--generators", a->run.generators, "Folder holding vae.pt")->capture_default_str();
  demo->add_flag("--train", a->train,
                 "Train the VAE (default recipe, about 8 minutes) instead of loading it");
  demo->add_option("--restarts", a->run.restarts, "Initial latent vectors per image")->capture_default_str();
  demo->add_option("--iterations", a->run.iterations, "Iterations of every generative solve")
      ->capture_default_str();
  check_domains(demo,
                {{"--restarts", positive_integer(10000)}, {"--iterations", positive_integer(10000000)}});
  commands.add(demo, [a](Context& ctx) {
    auto args = a->run;
    if (a->train) args.generators.clear();
    args.only = {"hard/vae", "sparse/vae", "tv"};
    args.command = "demo";
    args.title = "genreg demo: a VAE prior for compressed sensing of mnist digits";
    auto spec = experiment_spec("table1a");
    // The sparse deviation's mu barely matters here (19.05 / 19.06 / 19.02 dB on the validation
    // images for mu 0.001 / 0.01 / 0.1, BENCHMARKS.md), and each mu costs a sweep: keep 0.01.
    for (auto& m : spec.methods)
      if (m.key() == "sparse/vae") m.mus = {0.01};
    const auto summary = run_experiment(spec, with_context(args, ctx), ctx.text());
    ctx.emit(summary);
  });
}

}  // namespace genreg::cli
