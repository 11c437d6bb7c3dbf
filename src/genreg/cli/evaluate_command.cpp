// genreg evaluate: how good one or several trained generators are as priors (paper section 4):
// projections of test images (A1), the earth mover's distance of samples to test images (A3),
// latent codes against the prior (B2), interpolations (B1) and far-from-prior samples (A2), as
// figures, results.json and an HTML report. The work is the library's (pipeline/evaluation_job.h).
#include "genreg/cli/cli.h"
#include "genreg/cli/dataset_args.h"
#include "genreg/cli/option_domains.h"
#include "genreg/cli/parallel_args.h"
#include "genreg/pipeline/evaluation_job.h"

namespace genreg::cli {

void add_evaluate_command(CLI::App& app, Commands& commands) {
  auto* evaluate = app.add_subcommand(
      "evaluate", "Evaluate generators as priors (paper section 4: A1-A3, B1-B2) with a report");
  struct Args {
    std::string generator, out;
    std::vector<std::string> compare, diffusion;
    int64_t diffusion_steps = 50;
    DatasetArgs data;
    int64_t count = 1000, emd_count = 1000, iterations = 200, restarts = 0, batch = 512;
    int64_t steps = 7, far_count = 10;
    std::vector<double> far_scales{1.0, 2.0, 4.0, 8.0};
    bool no_reference = false, no_quality = false;
  };
  auto a = std::make_shared<Args>();
  evaluate->add_option("--generator", a->generator, "Model checkpoint (.pt) written by genreg train");
  evaluate
      ->add_option("--compare", a->compare, "Several checkpoints side by side (with --generator, after it)")
      ->expected(1, -1);
  a->data.add_to(evaluate, "test");
  evaluate
      ->add_option("--count", a->count,
                   "Test images projected (A1, B1, B2), spread evenly over the split unless --indices")
      ->capture_default_str();
  evaluate
      ->add_option("--emd-count", a->emd_count,
                   "N of the EMD (A3): N test images against N samples (at most 10,000)")
      ->capture_default_str();
  evaluate->add_option("--iterations", a->iterations, "Iterations of each projection (Algorithm 1)")
      ->capture_default_str();
  evaluate
      ->add_option("--restarts", a->restarts,
                   "Starts per projection (0: the encoder mean for AE/VAE, 4 random for GANs)")
      ->capture_default_str();
  evaluate
      ->add_option("--batch", a->batch,
                   "Samples solved at once: images x parameter values x restarts (the same in every command)")
      ->capture_default_str();
  evaluate->add_option("--interpolation-steps", a->steps, "Interpolation grid side (B1)")
      ->capture_default_str();
  evaluate->add_option("--far-scales", a->far_scales, "Scales s of the far samples G(s z) (A2)")
      ->capture_default_str();
  evaluate->add_option("--far-count", a->far_count, "Far samples per scale")->capture_default_str();
  evaluate->add_flag("--no-reference", a->no_reference,
                     "Skip the reference EMD of test to training images (the floor of A3)");
  evaluate->add_option(
      "--diffusion-model", a->diffusion,
      "Diffusion checkpoints (genreg train --model ddpm) whose DDIM samples join the FID and "
      "precision/recall table");
  evaluate->add_option("--diffusion-steps", a->diffusion_steps, "DDIM steps of those samples")
      ->capture_default_str();
  evaluate->add_flag("--no-quality", a->no_quality,
                     "Skip FID and precision/recall (whose feature network trains once per dataset, about a "
                     "minute, into the data cache)");
  evaluate->add_option("--out", a->out, "Output folder (figures, results.json, report.html)")->required();
  evaluate->footer("Samples, starts and the 2D projection follow the global --seed.");
  check_domains(evaluate, {{"--count", integer_in(3, 1 << 24)},
                           {"--emd-count", integer_in(1, 10000)},
                           {"--iterations", positive_integer(10000000)},
                           {"--restarts", non_negative_integer(10000)},
                           {"--batch", positive_integer(1 << 24)},
                           {"--interpolation-steps", integer_in(2, 100)},
                           {"--far-scales", positive_real()},
                           {"--far-count", positive_integer(10000)}});
  auto parallel = std::make_shared<ParallelArgs>();
  parallel->add_to(evaluate, "its share of the test images to project");
  commands.add(evaluate, [a, evaluate, parallel](Context& ctx) {
    if (parallel->launch_or_join(*evaluate, ctx)) return;
    EvaluationJob job;
    job.group = parallel->group;
    if (!a->generator.empty()) job.checkpoints.push_back(a->generator);
    for (const auto& p : a->compare) job.checkpoints.push_back(p);
    job.dataset = a->data.dataset;
    job.data = a->data.options();
    job.indices_given = !a->data.indices.empty();
    job.count = a->count;
    job.emd_count = a->emd_count;
    job.emd_count_given = evaluate->count("--emd-count") > 0;
    job.iterations = a->iterations;
    job.restarts = a->restarts;
    job.batch = a->batch;
    job.interpolation_steps = a->steps;
    job.far_count = a->far_count;
    job.far_scales = a->far_scales;
    job.reference = !a->no_reference;
    job.quality = !a->no_quality;
    job.diffusion_models = a->diffusion;
    job.diffusion_steps = a->diffusion_steps;
    job.out = a->out;
    job.device = ctx.device();
    job.seed = ctx.options().seed;
    const auto document = run_evaluation_job(job, ctx.text());
    if (parallel->root()) ctx.emit(document);
  });
}

}  // namespace genreg::cli
