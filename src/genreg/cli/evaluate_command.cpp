// genreg evaluate: how good one or several trained generators are as priors (paper section 4):
// projections of test images (A1), the earth mover's distance of samples to test images (A3),
// latent codes against the prior (B2), interpolations (B1) and far-from-prior samples (A2), as
// figures, a JSON summary and an HTML report.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "genreg/cli/cli.h"
#include "genreg/cli/dataset_args.h"
#include "genreg/core/error.h"
#include "genreg/eval/earth_movers.h"
#include "genreg/eval/evaluation_report.h"
#include "genreg/models/checkpoint.h"

namespace genreg::cli {
namespace {

// `count` rows spread evenly over `n` (mnist's split is sorted by digit: the first 1,000 test
// images would be only zeros to fours).
torch::Tensor spread_rows(int64_t n, int64_t count) {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < count; ++i) rows.push_back(i * n / count);
  return torch::tensor(rows, torch::kInt64);
}

// File stems made unique ("vae", "vae-2") and safe as folder names.
std::vector<std::string> unique_labels(const std::vector<std::string>& paths) {
  std::vector<std::string> labels;
  std::map<std::string, int> seen;
  for (const auto& path : paths) {
    std::string stem = std::filesystem::path(path).stem().string();
    for (auto& c : stem)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    if (stem.empty()) stem = "generator";
    const int k = ++seen[stem];
    labels.push_back(k == 1 ? stem : stem + "-" + std::to_string(k));
  }
  return labels;
}

}  // namespace

void add_evaluate_command(CLI::App& app, Commands& commands) {
  auto* evaluate = app.add_subcommand(
      "evaluate", "Evaluate generators as priors (paper section 4: A1-A3, B1-B2) with a report");
  struct Args {
    std::string generator, out;
    std::vector<std::string> compare;
    DatasetArgs data;
    int64_t count = 1000, emd_count = 1000, iterations = 200, restarts = 0, batch = 512;
    int64_t steps = 7, far_count = 10;
    std::vector<double> far_scales{1.0, 2.0, 4.0, 8.0};
    bool no_reference = false;
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
  evaluate->add_option("--batch", a->batch, "Samples (images x restarts) projected at once")
      ->capture_default_str();
  evaluate->add_option("--interpolation-steps", a->steps, "Interpolation grid side (B1)")
      ->capture_default_str();
  evaluate->add_option("--far-scales", a->far_scales, "Scales s of the far samples G(s z) (A2)")
      ->capture_default_str();
  evaluate->add_option("--far-count", a->far_count, "Far samples per scale")->capture_default_str();
  evaluate->add_flag("--no-reference", a->no_reference,
                     "Skip the reference EMD of test to training images (the floor of A3)");
  evaluate->add_option("--out", a->out, "Output folder (figures, summary.json, report.html)")->required();
  evaluate->footer("Samples, starts and the 2D projection follow the global --seed.");
  commands.add(evaluate, [a, evaluate](Context& ctx) {
    std::vector<std::string> paths;
    if (!a->generator.empty()) paths.push_back(a->generator);
    for (const auto& p : a->compare) paths.push_back(p);
    require(!paths.empty(), "give --generator FILE or --compare FILE...");
    require(a->count >= 3, "--count must be at least 3");
    require(a->emd_count >= 1 && a->emd_count <= 10000, "--emd-count must be in 1..10000");
    require(a->iterations >= 1, "--iterations must be positive");
    require(a->restarts >= 0, "--restarts must not be negative");
    require(a->batch >= 1, "--batch must be positive");
    require(a->steps >= 2, "--interpolation-steps must be at least 2");
    require(a->far_count >= 1, "--far-count must be positive");
    for (double s : a->far_scales) require(s > 0, "--far-scales must be positive");
    auto& out = ctx.text();

    // Every checkpoint first, so that a bad one fails before any work.
    std::vector<GenerativeModelPtr> models;
    for (const auto& path : paths) models.push_back(load_generator(path, ctx.device()));
    const auto size = models.front()->image_size();

    auto options = a->data.options();
    if (a->data.dataset.rfind("folder:", 0) == 0 && a->data.size.empty()) options.image_size(size);
    const auto data = load_dataset(a->data.dataset, options);
    for (size_t k = 0; k < models.size(); ++k)
      check_generator_size(*models[k], data.height(), data.width(),
                           "the " + data.name + " images (" + paths[k] + ")");
    const int64_t n = data.size();
    // A1 on --indices as given, or --count images spread over the split.
    torch::Tensor rows =
        a->data.indices.empty() ? spread_rows(n, std::min(a->count, n)) : torch::arange(n, torch::kInt64);
    require(rows.numel() >= 3, "generator evaluation needs at least 3 test images, got ", rows.numel());
    const auto images = data.images.index_select(0, rows);
    const auto labels = data.labels.defined() ? data.labels.index_select(0, rows) : torch::Tensor();
    check_images(images, "dataset " + data.name);
    // The default N shrinks to a small dataset; an N asked for must fit.
    const int64_t emd_count = evaluate->count("--emd-count") ? a->emd_count : std::min(a->emd_count, n);
    require(emd_count <= n, "--emd-count ", emd_count, " exceeds the ", n, " images of ", data.name, " ",
            data.split);
    const auto emd_rows = spread_rows(n, emd_count);
    const auto emd_images = data.images.index_select(0, emd_rows);
    out << "evaluating " << paths.size() << " generator(s) on " << data.name << " " << data.split << ": "
        << images.size(0) << " images projected, EMD of " << emd_images.size(0) << " images\n";

    // The floor of A3: test images against as many training images.
    std::optional<EmdReference> reference;
    if (!a->no_reference && data.split == "test") {
      try {
        auto train_options = options;
        train_options.split("train").range(IndexRange::all());
        const auto train = load_dataset(a->data.dataset, train_options);
        if (train.size() >= emd_count) {
          const auto start = std::chrono::steady_clock::now();
          const auto train_images = train.images.index_select(0, spread_rows(train.size(), emd_count));
          const auto emd = earth_movers_distance(emd_images, train_images);
          reference = EmdReference{emd_count, emd.distance, normalised_emd(emd.distance, emd_images)};
          out << "reference: EMD of " << emd_count << " test to as many training images "
              << reference->normalised << " of mean ||x||^2 ("
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s)\n";
        } else {
          out << "reference EMD skipped: the training split has fewer than " << emd_count << " images\n";
        }
      } catch (const Error& e) {
        out << "reference EMD skipped: " << e.what() << "\n";
      }
    }

    const auto labels_out = unique_labels(paths);
    std::vector<EvaluatedGenerator> evaluated;
    for (size_t k = 0; k < models.size(); ++k) {
      auto& model = models[k];
      out << labels_out[k] << " (" << to_string(model->kind()) << ", latent dim " << model->latent_dim()
          << ", " << paths[k] << ")\n";
      EvaluationOptions eo;
      eo.projection(ProjectionOptions()
                        .iterations(a->iterations)
                        .restarts(a->restarts)
                        .max_samples(a->batch)
                        .seed(ctx.options().seed))
          .interpolation_steps(a->steps)
          .far_scales(a->far_scales)
          .far_samples(a->far_count)
          .seed(ctx.options().seed);
      auto e = evaluate_generator(model, images, labels, emd_images, eo, [&](const std::string& line) {
        out << line << "\n" << std::flush;
      });
      out << "  A1 NRMSE mean " << e.metrics[3].summary.mean << " median "
          << median_value(e.metrics[3].per_image) << ", PSNR mean " << e.metrics[0].summary.mean << " dB ("
          << e.projection_seconds << " s)\n";
      evaluated.push_back({labels_out[k], paths[k], model->config().to_json(), std::move(e)});
    }
    const auto as_vector = [](const torch::Tensor& t) {
      const auto c = t.to(torch::kInt64).contiguous();
      return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
    };
    const nlohmann::json data_json = {{"dataset", data.name},
                                      {"split", data.split},
                                      {"projected_indices", as_vector(data.indices.index_select(0, rows))},
                                      {"emd_indices", as_vector(data.indices.index_select(0, emd_rows))}};
    const auto summary = write_evaluation(a->out, evaluated, data_json, reference);
    out << "wrote " << a->out << "/report.html and summary.json\n";
    ctx.emit(summary);
  });
}

}  // namespace genreg::cli
