#include "genreg/pipeline/evaluation_job.h"

#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>

#include "genreg/core/error.h"
#include "genreg/eval/earth_movers.h"
#include "genreg/eval/feature_network.h"
#include "genreg/eval/sample_quality.h"
#include "genreg/io/output_paths.h"
#include "genreg/models/checkpoint.h"
#include "genreg/models/diffusion_sampling.h"
#include "genreg/pipeline/evaluation_report.h"

namespace genreg {
namespace {

// `count` rows spread evenly over `n` (so that a sorted folder or split is covered whole).
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

std::vector<int64_t> as_vector(const torch::Tensor& t) {
  const auto c = t.to(torch::kInt64).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// n training images spread over the split: the references of A3 and of sample quality (what exact
// sampling of the data reaches at this N). Undefined, with a line saying why, where the training
// split is too small or cannot be loaded.
torch::Tensor training_reference(const EvaluationJob& job, int64_t n, std::ostream& log) {
  try {
    auto train_options = job.data;
    train_options.split("train").range(IndexRange::all());
    const auto train = load_dataset(job.dataset, train_options);
    if (train.size() < n) {
      log << "references skipped: the training split has fewer than " << n << " images\n";
      return {};
    }
    return train.images.index_select(0, spread_rows(train.size(), n));
  } catch (const Error& e) {
    log << "references skipped: " << e.what() << "\n";
    return {};
  }
}

// The floor of A3: the EMD of the test images to as many training images.
EmdReference reference_emd(const torch::Tensor& emd_images, const torch::Tensor& train_images,
                           std::ostream& log) {
  const int64_t n = emd_images.size(0);
  const auto start = std::chrono::steady_clock::now();
  const auto emd = earth_movers_distance(emd_images, train_images);
  EmdReference reference{n, emd.distance, normalised_emd(emd.distance, emd_images)};
  log << "reference: EMD of " << n << " test to as many training images " << reference.normalised
      << " of mean ||x||^2 ("
      << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s)\n";
  return reference;
}

}  // namespace

nlohmann::json run_evaluation_job(const EvaluationJob& job, std::ostream& log_to) {
  const RootLog root_log(job.group, log_to);
  const bool root = root_log.root();
  std::ostream& log = root_log.stream();
  require(!job.checkpoints.empty(), "give --generator FILE or --compare FILE...");
  require(job.count >= 3, "--count must be at least 3");
  require(job.emd_count >= 1 && job.emd_count <= 10000, "--emd-count must be in 1..10000");
  require(job.iterations >= 1, "--iterations must be positive");
  require(job.restarts >= 0, "--restarts must not be negative");
  require(job.batch >= 1, "--batch must be positive");
  require(job.interpolation_steps >= 2, "--interpolation-steps must be at least 2");
  require(job.far_count >= 1, "--far-count must be positive");
  for (double s : job.far_scales) require(s > 0, "--far-scales must be positive");
  const auto start = std::chrono::steady_clock::now();
  if (root) prepare_output_folder(job.out);

  // Every checkpoint first, so that a bad one fails before any work. Any generator: genreg's kinds
  // or a TorchScript generator (models/torchscript_model.h).
  std::vector<GeneratorPtr> models;
  std::vector<nlohmann::json> descriptions;
  std::vector<std::string> kinds;
  for (const auto& path : job.checkpoints) {
    const auto model = load_model(path, ModelRole::generator, job.device);
    models.push_back(model_as<Generator>(model, path));
    descriptions.push_back(model->describe());
    kinds.push_back(model->served_kind());
  }
  require(job.diffusion_models.empty() || job.quality,
          "--diffusion-model joins the sample-quality table, which "
          "--no-quality turns off");
  require(job.diffusion_steps >= 1, "--diffusion-steps must be positive");
  std::vector<std::shared_ptr<NoisePredictor>> diffusion;
  for (const auto& path : job.diffusion_models) {
    const auto loaded = load_model(path, ModelRole::noise_predictor, job.device);
    auto model = model_as<NoisePredictor>(loaded, path);
    require(loaded->image_size() == models.front()->image_size(), path, " makes images of another size than ",
            job.checkpoints.front());
    require(job.diffusion_steps <= model->steps(), "--diffusion-steps exceeds the ", model->steps(),
            " steps of ", path);
    diffusion.push_back(model);
  }
  const auto size = models.front()->image_size();

  auto options = job.data;
  if (job.dataset.rfind("folder:", 0) == 0 && options.image_size().empty()) options.image_size(size);
  const auto data = load_dataset(job.dataset, options);
  for (size_t k = 0; k < models.size(); ++k)
    check_generator_size(*models[k], data.height(), data.width(),
                         "the " + data.name + " images (" + job.checkpoints[k] + ")");
  const int64_t n = data.size();
  // A1 on the indices as given, or `count` images spread over the split.
  const torch::Tensor rows =
      job.indices_given ? torch::arange(n, torch::kInt64) : spread_rows(n, std::min(job.count, n));
  require(rows.numel() >= 3, "generator evaluation needs at least 3 test images, got ", rows.numel());
  const auto images = data.images.index_select(0, rows);
  const auto labels = data.labels.defined() ? data.labels.index_select(0, rows) : torch::Tensor();
  check_images(images, "dataset " + data.name);
  // The default N shrinks to a small dataset; an N asked for must fit.
  const int64_t emd_count = job.emd_count_given ? job.emd_count : std::min(job.emd_count, n);
  require(emd_count <= n, "--emd-count ", emd_count, " exceeds the ", n, " images of ", data.name, " ",
          data.split);
  const auto emd_rows = spread_rows(n, emd_count);
  const auto emd_images = data.images.index_select(0, emd_rows);
  log << "evaluating " << job.checkpoints.size() << " generator(s) on " << data.name << " " << data.split
      << ": " << images.size(0) << " images projected, EMD of " << emd_images.size(0) << " images\n";
  // The training images are loaded once for both references.
  const auto train_images = root && (job.reference || job.quality) && data.split == "test"
                                ? training_reference(job, emd_images.size(0), log)
                                : torch::Tensor();
  const auto reference = job.reference && train_images.defined()
                             ? std::optional<EmdReference>(reference_emd(emd_images, train_images, log))
                             : std::optional<EmdReference>();

  const auto labels_out = unique_labels(job.checkpoints);
  std::vector<EvaluatedGenerator> evaluated;
  for (size_t k = 0; k < models.size(); ++k) {
    auto& model = models[k];
    log << labels_out[k] << " (" << kinds[k] << ", latent dim " << model->latent_dim() << ", "
        << job.checkpoints[k] << ")\n";
    EvaluationOptions eo;
    eo.projection(ProjectionOptions()
                      .iterations(job.iterations)
                      .restarts(job.restarts)
                      .max_samples(job.batch)
                      .seed(job.seed)
                      .group(job.group))
        .interpolation_steps(job.interpolation_steps)
        .far_scales(job.far_scales)
        .far_samples(job.far_count)
        .seed(job.seed);
    auto e = evaluate_generator(model, images, labels, emd_images, eo, [&](const std::string& line) {
      log << line << "\n" << std::flush;
    });
    log << "  A1 NRMSE mean " << e.metrics[3].summary.mean << " median "
        << median_value(e.metrics[3].per_image) << ", PSNR mean " << e.metrics[0].summary.mean << " dB ("
        << e.projection_seconds << " s)\n";
    evaluated.push_back({labels_out[k], job.checkpoints[k], descriptions[k], std::move(e), nlohmann::json()});
  }
  // The other ranks' share ends with the projections; rank 0 measures sample quality and writes.
  if (!root) return nlohmann::json();
  nlohmann::json quality;
  if (job.quality) {
    try {
      const auto quality_start = std::chrono::steady_clock::now();
      auto features = feature_network_for(job.dataset, job.data, log);
      const auto real = image_features(features.network, emd_images);
      const auto measure = [&](const torch::Tensor& images) -> nlohmann::json {
        const auto f = image_features(features.network, images);
        const auto pr = precision_recall(real, f);
        return {{"fid", frechet_distance(real, f)},
                {"precision", pr.precision},
                {"recall", pr.recall},
                {"k", pr.k},
                {"samples", images.size(0)}};
      };
      quality["feature_network"] = features.describe();
      for (size_t k = 0; k < models.size(); ++k) {
        torch::manual_seed(job.seed + 29);
        torch::Tensor samples;
        {
          torch::NoGradGuard no_grad;
          samples = models[k]->sample(emd_images.size(0)).to(torch::kCPU, torch::kFloat32);
        }
        evaluated[k].quality = measure(samples);
        log << labels_out[k] << ": FID " << evaluated[k].quality["fid"].get<double>() << ", precision "
            << evaluated[k].quality["precision"].get<double>() << ", recall "
            << evaluated[k].quality["recall"].get<double>() << "\n";
      }
      const auto diffusion_labels = unique_labels(job.diffusion_models);
      quality["diffusion_models"] = nlohmann::json::array();
      for (size_t k = 0; k < diffusion.size(); ++k) {
        const auto size = models.front()->image_size();
        const auto samples =
            sample_prior(*diffusion[k], emd_images.size(0), size[0], size[1], job.device,
                         PriorSamplingOptions().steps(job.diffusion_steps).seed(job.seed + 29))
                .to(torch::kCPU, torch::kFloat32);
        auto q = measure(samples);
        q["label"] = diffusion_labels[k];
        q["checkpoint"] = job.diffusion_models[k];
        q["sampler"] = "DDIM, " + std::to_string(job.diffusion_steps) + " steps";
        log << diffusion_labels[k] << " (DDIM " << job.diffusion_steps << " steps): FID "
            << q["fid"].get<double>() << ", precision " << q["precision"].get<double>() << ", recall "
            << q["recall"].get<double>() << "\n";
        quality["diffusion_models"].push_back(q);
      }
      if (train_images.defined()) {
        quality["reference"] = measure(train_images);
        log << "reference (training images): FID " << quality["reference"]["fid"].get<double>() << "\n";
      }
      quality["seconds"] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - quality_start).count();
    } catch (const Error& e) {
      log << "sample quality skipped: " << e.what() << "\n";
      quality = nullptr;
      for (auto& g : evaluated) g.quality = nullptr;
    }
  }
  const nlohmann::json data_json = {{"dataset", data.name},
                                    {"split", data.split},
                                    {"projected_indices", as_vector(data.indices.index_select(0, rows))},
                                    {"emd_indices", as_vector(data.indices.index_select(0, emd_rows))}};
  auto document = write_evaluation(
      job.out, evaluated, data_json, reference,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), quality);
  log << "wrote " << job.out << "/report.html and results.json\n";
  return document;
}

}  // namespace genreg
