// genreg demo: the README's main job, the whole pipeline on the default data. A VAE, a DRUNet
// denoiser and a DDPM trained on mnist by genreg (committed under docs/models/mnist/ with the
// commands that made them; --train trains the VAE and the DRUNet afresh and leaves the DDPM's 25
// minutes out), compressed-sensing measurements cs:150 of test digits with noise 0.1 (PROTOCOL's
// table1a problem), reconstructions by the paper's hard constraint, plug-and-play ADMM, diffusion
// posterior sampling and TV with parameters chosen on validation images, and an HTML report with
// images, metrics and the sampler's uncertainty. (The sparse deviation, 5 of the former 7.5
// minutes, matched the hard constraint to 0.04 dB; it stays in `genreg experiment table1a`.)
#include <filesystem>

#include "genreg/cli/cli.h"
#include "genreg/cli/option_domains.h"
#include "genreg/core/error.h"
#include "genreg/core/source_dir.h"
#include "genreg/pipeline/experiment_runner.h"

namespace genreg::cli {

void add_demo_command(CLI::App& app, Commands& commands) {
  auto* demo = app.add_subcommand("demo",
                                  "The main job: VAE, DRUNet and DDPM on mnist -> cs:150 measurements -> "
                                  "hard, PnP-ADMM, DPS and TV -> HTML "
                                  "report");
  struct Args {
    ExperimentArgs run;
    bool train = false;
  };
  auto a = std::make_shared<Args>();
  a->run.out = "demo";
  a->run.restarts = 4;
  a->run.generators = std::string(GENREG_SOURCE_DIR) + "/docs/models/mnist";
  demo->add_option("--out", a->run.out, "Output folder")->capture_default_str();
  demo->add_option("--generators", a->run.generators, "Folder holding vae.pt, drunet.pt and ddpm.pt")
      ->capture_default_str();
  demo->add_flag("--train", a->train,
                 "Train the VAE and the DRUNet (default recipes, about 11 minutes) instead of loading them; "
                 "without the DPS row (its DDPM trains for 25 minutes: genreg experiment table1a)");
  demo->add_option("--restarts", a->run.restarts, "Initial latent vectors per image")->capture_default_str();
  demo->add_option("--iterations", a->run.iterations, "Iterations of every generative solve")
      ->capture_default_str();
  check_domains(demo,
                {{"--restarts", positive_integer(10000)}, {"--iterations", positive_integer(10000000)}});
  commands.add(demo, [a](Context& ctx) {
    auto args = a->run;
    if (a->train) args.generators.clear();
    args.only = {"hard/vae", "pnp-admm/drunet", "tv"};
    if (!a->train) args.only.insert(args.only.begin() + 2, "dps/ddpm");
    args.command = "demo";
    args.title =
        "genreg demo: learned priors (a VAE, a denoiser, a diffusion model) for compressed sensing of mnist "
        "digits";
    auto spec = experiment_spec("table1a");
    // DPS at a demo's cost (2 of its 3 min 20 s): 4 samples on a 100-step chain at lambda 1, the
    // value table1a's validation images choose from 0.5, 1, 2, 4 (BENCHMARKS.md, "Diffusion"; on
    // those images 100 steps give 21.8 dB against 22.5 for 250, 4 samples 0.3-0.5 dB less than 8).
    for (auto& m : spec.methods)
      if (m.key() == "dps/ddpm") {
        m.lambdas = {1.0};
        m.settings.set("samples", 4).set("steps", 100);
      }
    const auto summary = run_experiment(spec, with_context(args, ctx), ctx.text());
    ctx.emit(summary);
  });
}

}  // namespace genreg::cli
