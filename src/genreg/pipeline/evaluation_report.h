#pragma once
// The figures, JSON summary and HTML report of `genreg evaluate`: one or several generators
// evaluated on the same test images, laid out criterion by criterion so that they compare side by
// side (the paper's section 4 compares AE, VAE and GAN the same way).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "genreg/pipeline/generator_evaluation.h"

namespace genreg {

struct EvaluatedGenerator {
  std::string label;     // unique, file-system safe: names its folder and its figures
  std::string path;      // the checkpoint it came from
  nlohmann::json model;  // the model description (kind, architecture, latent dimension, ...)
  GeneratorEvaluation evaluation;
  // Sample quality in the feature network's space (eval/sample_quality.h, eval/feature_network.h):
  // {"fid", "precision", "recall", "k", "samples"}; null where it was not measured.
  nlohmann::json quality;
};

// The EMD of the test images to as many training images: what a generator that samples the data
// distribution exactly would reach with N samples (the floor of A3 at this N).
struct EmdReference {
  int64_t n = 0;
  double distance = 0.0, normalised = 0.0;
};

// Writes into `dir`: histograms.png (A1 of every generator), per generator LABEL/deciles.png,
// LABEL/latent-scatter.png, LABEL/interpolation.png, LABEL/far-samples.png, LABEL/samples.png and
// LABEL/latents.pt (z*), then report.html and results.json (io/results_file.h; `data` is its
// settings, `seconds` the evaluation's time). Returns the results.json document.
// `quality` (null: not measured): the feature network's description and the reference values of
// training against test images, {"feature_network", "reference": {"fid", "precision", "recall"}}.
nlohmann::json write_evaluation(const std::string& dir, const std::vector<EvaluatedGenerator>& generators,
                                const nlohmann::json& data, const std::optional<EmdReference>& reference,
                                double seconds, const nlohmann::json& quality = nullptr);

// Histogram of `values` over [lo, hi] in `bins` equal bins: (centres, counts).
std::pair<std::vector<double>, std::vector<double>> histogram(const torch::Tensor& values, double lo,
                                                              double hi, int64_t bins);

}  // namespace genreg
