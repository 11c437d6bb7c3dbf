#pragma once
// The paper's reference experiments (PROTOCOL.md, "Reference experiments") as data: which images,
// operator, noise, generators and methods, the parameter grids, and the paper's Table 1 numbers;
// and one method of an experiment run end to end: parameters chosen on the validation images by
// mean PSNR, then the report images solved at the chosen parameters and scored.
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "genreg/distributed/process_group.h"
#include "genreg/eval/metrics.h"
#include "genreg/eval/parameter_choice.h"
#include "genreg/models/generator.h"
#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

struct ExperimentMethod {
  std::string method;            // a registered method: hard, sparse, pnp-hqs, tv, ...
  std::string model;             // the kind of its learned model (vae, wgan-gp, drunet, ...), else ""
  std::vector<double> lambdas;   // grid chosen from on the validation images
  std::vector<double> mus{1.0};  // relaxed, sparse, sparse-tv: grid of the latent prior's weight
  // Plug-and-play: the denoiser's strength and the iteration budget (0: the method's defaults).
  double denoiser_sigma = 0.0;
  int64_t iterations = 0;
  // Posterior samplers: samples per image and sampling steps (0: the method's defaults), diffpir's
  // share of fresh noise (negative: its default).
  int64_t samples = 0, steps = 0;
  double zeta = -1.0;
  // Conditional models: use the model on measurements of another acquisition than its training one
  // (the operator-shift experiment).
  bool allow_operator_shift = false;

  bool learned() const { return !model.empty(); }
  // True for methods whose registration reads mu (their grid is searched).
  bool reads_mu() const;
  // "hard/vae", "pnp-hqs/drunet", "tv": names files and JSON entries.
  std::string key() const;
  // "hard (VAE)", "PnP-HQS (DRUNet)", "TV": for tables and captions.
  std::string label() const;
};

// "AE", "VAE", "GAN" (the paper's name for its WGAN-GP), "DnCNN", "DRUNet": column headings.
std::string model_label(const std::string& kind);

// Mean +- std of one of the paper's cells (psnr_paper).
struct PaperCell {
  double mean = 0.0, std = 0.0;
};

struct ExperimentSpec {
  std::string id, description;
  std::string dataset;        // ground truth (test split)
  std::string train_dataset;  // the generators' training data
  std::string operator_spec;
  double sigma = 0.1;
  int64_t latent_dim = 8;
  std::string validation = "0:20", report = "100:200";  // test indices
  std::vector<std::string> generators;                  // model kinds, in table order
  // Denoiser kinds for the plug-and-play rows, found as DIR/KIND.pt in the models folder or trained
  // on the experiment's training images with noise levels drawn from [0, 0.5] (PROTOCOL.md).
  std::vector<std::string> denoisers;
  // Diffusion model kinds for the posterior-sampling rows (dps, diffpir), found or trained alike.
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
  // The recipe of generators trained by the experiment: training indices ("" = the whole split)
  // and epochs by model kind (a kind not listed: the training default).
  std::string train_indices;
  std::map<std::string, int64_t> train_epochs;
};

// The file name of a conditional model trained for `operator_spec` at noise `sigma`:
// "cfm-cs150-sigma0.1.pt" (a conditional model is tied to its acquisition).
std::string conditional_model_file(const std::string& kind, const std::string& operator_spec, double sigma);

std::vector<std::string> experiment_ids();
// Throws genreg::Error for an unknown id.
ExperimentSpec experiment_spec(const std::string& id);

struct ExperimentRunOptions {
  GenerativeOptions generative;  // restarts, iterations, seed, ... (mu is set from the grid)
  int64_t batch = 2048;          // largest batch of samples solved at once
  std::function<void(const std::string&)> log;
  // Ranks that share the images of every sweep and solve (eval/sharded_solves.h); null: one process.
  ProcessGroupPtr group;
};

struct MethodResult {
  ExperimentMethod method;
  double lambda = 0.0, mu = 0.0;
  double validation_psnr = 0.0;  // mean over the validation images at the chosen parameters
  double seconds = 0.0;          // parameter choice and the report solve
  torch::Tensor x;               // (N, 1, H, W) reconstructions of the report images
  torch::Tensor gz, u;           // sparse methods: generator part and deviation (else undefined)
  // Sampling methods: the per-pixel std (N, 1, H, W) and the first (up to) 3 samples (N, 3, 1, H, W)
  // of the report images, for the figures (else undefined).
  torch::Tensor std, samples;
  std::vector<MetricValues> metrics;
  // Validation PSNR over the grid, one curve per mu: (mus, lambdas).
  std::vector<std::vector<double>> validation_curve;
  // Sampling methods: coverage and calibration (eval/uncertainty.h), else null. Every method: the
  // data-fidelity audit of its report reconstructions.
  nlohmann::json uncertainty, audit;

  nlohmann::json to_json(bool per_image = false) const;
};

// Chooses (lambda, mu) on `validation` by mean PSNR and solves `report` with them, taking the
// method's model from `priors`.
MethodResult run_experiment_method(const ExperimentMethod& method, const MethodPriors& priors,
                                   const Measurements& validation, const Measurements& report,
                                   const ExperimentRunOptions& options);

// Tables of psnr_paper (beside the paper's numbers), psnr and ssim: rows are methods, columns the
// generators, as in the paper's Table 1.
std::string experiment_markdown(const ExperimentSpec& spec, const std::vector<MethodResult>& results);

// "87.3%" for the share `key` of `j`, "-" where it is missing or null.
std::string percent_of(const nlohmann::json& j, const std::string& key);

}  // namespace genreg
