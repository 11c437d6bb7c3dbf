#pragma once
// Experiments as data (PROTOCOL.md, "Reference experiments"): which images, operator, noise, models
// and methods, the parameter grids and the paper's Table 1 numbers, read from a spec file; and one
// method of an experiment run end to end (pipeline/method_run.h): parameters chosen on the
// validation images by mean PSNR, then the report images solved at the chosen parameters and scored.
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "genreg/distributed/process_group.h"
#include "genreg/eval/metrics.h"
#include "genreg/models/generator.h"
#include "genreg/operators/noise.h"
#include "genreg/pipeline/method_run.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

struct ExperimentMethod {
  std::string method;  // a registered method: hard, sparse, pnp-hqs, tv, ...
  std::string model;   // the kind of its learned model (vae, wgan-gp, drunet, ...), else ""
  // Chosen on the validation images: the lambda grid (empty for a method without lambda) and grids
  // of searchable settings (mu, denoiser_sigma; MethodInfo's declarations).
  std::vector<double> lambdas;
  std::map<std::string, std::vector<double>> grids;
  // Fixed settings of the method (denoiser_sigma, iterations, samples, steps, zeta, ...), checked
  // against its declarations when the spec is read.
  MethodSettings settings;

  bool learned() const { return !model.empty(); }
  // "hard/vae", "pnp-hqs/drunet", "tv": names files and JSON entries.
  std::string key() const;
  // "hard (VAE)", "PnP-HQS (DRUNet)", "TV": for tables and captions.
  std::string label() const;
  // Its parameter rule: the grids on the validation images, or fixed for a method with nothing to
  // choose (a sampler without lambda still calibrates its intervals on the validation images).
  ParameterRule rule() const;
};

// "AE", "VAE", "GAN" (the paper's name for its WGAN-GP), "DnCNN", "DRUNet": column headings.
std::string model_label(const std::string& kind);

// Mean +- std of one of the paper's cells (psnr_paper).
struct PaperCell {
  double mean = 0.0, std = 0.0;
};

// An experiment as data: a spec file (JSON, experiments/ID.json in the source tree, or any path)
// names the images, the acquisition, the methods with their models, grids and settings, the
// training recipe of the models it trains, and the paper's numbers. experiments/README.md gives
// the format; `genreg experiment PATH.json` runs a user's without a rebuild.
struct ExperimentSpec {
  std::string id, description;
  std::string dataset;        // ground truth (test split)
  std::string train_dataset;  // the models' training data
  std::string operator_spec;
  double sigma = 0.1;
  // Another noise model than Gaussian sigma (NoiseModel::parse: "ct:4096", "poisson:1000"); empty:
  // Gaussian of standard deviation sigma.
  std::string noise;
  // Image size {H, W} of datasets that take one (dataset_takes_size: phantoms, folders, DICOM,
  // NIfTI); {}: the dataset's own.
  std::vector<int64_t> image_size;
  int64_t latent_dim = 8;
  std::string validation = "0:20", report = "100:200";  // test indices
  // Model kinds by role, in order of first use by the methods (the tables' generator columns).
  std::vector<std::string> generators;
  // Denoiser kinds, found as DIR/KIND.pt in the models folder or trained on the experiment's training
  // images with noise levels drawn from [0, 0.5] (PROTOCOL.md).
  std::vector<std::string> denoisers;
  std::vector<std::string> diffusion_models;
  // Conditional model kinds (cfm, postprocess), each with its own method of the same name, trained
  // for the experiment's operator and noise (found as DIR/KIND-TAG.pt, conditional_model_file).
  std::vector<std::string> conditional_models;
  // The acquisition conditional models are trained for (and loaded by): empty / 0 for the
  // experiment's own; another one where the experiment measures a shifted acquisition.
  std::string model_operator_spec;
  double model_sigma = 0.0;
  // What conditional models trained by the experiment see of y, by kind: "lmmse" or, for a kind
  // not listed, "backprojection" (models/conditional_unet.h).
  std::map<std::string, std::string> conditions;
  std::vector<ExperimentMethod> methods;
  std::map<std::string, PaperCell> paper;  // by ExperimentMethod::key()
  // Starts per image of every generative solve (the first at the encoder of the back-projection
  // where the generator has an encoder, the others z ~ N(0, I)).
  int64_t restarts = 4;
  // The recipe of models trained by the experiment: training indices ("" = the whole split)
  // and epochs by model kind (a kind not listed: the training default).
  std::string train_indices;
  std::map<std::string, int64_t> train_epochs;
  std::string source;  // the file it was read from
};

// The noise the experiment simulates: `noise` when given, else Gaussian `sigma`.
NoiseModel experiment_noise(const ExperimentSpec& spec);

// The file name of a conditional model trained for `operator_spec` at noise `sigma`:
// "cfm-cs150-sigma0.1.pt" (a conditional model is tied to its acquisition).
std::string conditional_model_file(const std::string& kind, const std::string& operator_spec, double sigma);

// The built-in experiments: the spec files in the source tree's experiments/ folder.
std::string experiments_folder();
std::vector<std::string> experiment_ids();
// The JSON of a built-in spec by id or of a spec file by path (ending in .json); `path` receives
// the file read. Throws genreg::Error for an unknown id or an unreadable or invalid file.
nlohmann::json read_experiment_document(const std::string& id_or_path, std::string* path = nullptr);
// A study of one base experiment over several acquisitions ("parts": operator-shift.h) rather than
// one experiment.
bool is_shift_study(const nlohmann::json& document);
// A built-in experiment by id, or a spec file by path (ending in .json). Throws genreg::Error for
// an unknown id, an unreadable file, or a spec that names an unknown key, method, model kind or
// setting, a model of another role than its method needs, or a value outside a setting's domain
// (naming the file).
ExperimentSpec experiment_spec(const std::string& id_or_path);
// The spec in `document`; `source` names it in errors.
ExperimentSpec parse_experiment_spec(const nlohmann::json& document, const std::string& source);

struct ExperimentRunOptions {
  // Settings of every method that reads them (restarts, iterations of the generative methods),
  // under each method's own; and the seed of every random draw.
  MethodSettings common;
  int64_t batch = 2048;  // largest batch of samples solved at once
  std::function<void(const std::string&)> log;
  // Ranks that share the images of every sweep and solve (pipeline/sharded_solves.h); null: one process.
  ProcessGroupPtr group;
};

struct MethodResult {
  ExperimentMethod method;
  double lambda = 0.0;
  MethodSettings chosen;         // the settings used: the fixed ones and the searched ones' choice
  double validation_psnr = 0.0;  // mean over the validation images at the chosen parameters
  double seconds = 0.0;          // parameter choice and the report solve
  torch::Tensor x;               // (N, 1, H, W) reconstructions of the report images
  torch::Tensor gz, u;           // sparse methods: generator part and deviation (else undefined)
  // Sampling methods: the per-pixel std (N, 1, H, W) and the first (up to) 3 samples (N, 3, 1, H, W)
  // of the report images, for the figures (else undefined).
  torch::Tensor std, samples;
  std::vector<MetricValues> metrics;
  // Validation PSNR over the lambda grid, one curve per combination of the setting grids.
  std::vector<std::vector<double>> validation_curve;
  // The searched settings' chosen values, "mu 0.01" ("" when none is searched).
  std::string chosen_text() const;
  // Sampling methods: coverage and calibration (eval/uncertainty.h), else null. Every method: the
  // data-fidelity audit of its report reconstructions.
  nlohmann::json uncertainty, audit;

  nlohmann::json to_json(bool per_image = false) const;
};

// Chooses the parameters on the `validation` positions of `m` by mean PSNR and solves the others
// with them (pipeline/method_run.h), taking the method's model from `priors`.
MethodResult run_experiment_method(const ExperimentMethod& method, const MethodPriors& priors,
                                   const Measurements& m, const torch::Tensor& validation,
                                   const ExperimentRunOptions& options);

// Tables of psnr_paper (beside the paper's numbers), psnr and ssim: rows are methods, columns the
// generators, as in the paper's Table 1.
std::string experiment_markdown(const ExperimentSpec& spec, const std::vector<MethodResult>& results);

// "87.3%" for the share `key` of `j`, "-" where it is missing or null.
std::string percent_of(const nlohmann::json& j, const std::string& key);

}  // namespace genreg
