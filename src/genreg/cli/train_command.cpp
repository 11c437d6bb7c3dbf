// genreg train: trains an AE, VAE or GAN on a dataset, with a checkpoint, the loss history and
// sample grids after every epoch; --resume continues a killed run from its last checkpoint.

#include <cmath>
#include <filesystem>

#include "genreg/cli/cli.h"
#include "genreg/cli/dataset_args.h"
#include "genreg/cli/option_domains.h"
#include "genreg/cli/parallel_args.h"
#include "genreg/core/error.h"
#include "genreg/models/model_registry.h"
#include "genreg/operators/make_operator.h"
#include "genreg/operators/noise.h"
#include "genreg/operators/operator_spec.h"
#include "genreg/training/training_run.h"

namespace genreg::cli {
namespace {

std::string default_log_dir(const std::string& checkpoint) {
  std::filesystem::path p(checkpoint);
  return (p.parent_path() / (p.stem().string() + "_train")).string();
}

}  // namespace

void add_train_command(CLI::App& app, Commands& commands) {
  auto* train = app.add_subcommand(
      "train",
      "Train a model: a generator (ae, vae, wgan-gp, gan-hinge, gan), a denoiser (dncnn, drunet) or a "
      "diffusion model (ddpm) or a conditional model for one acquisition (cfm, postprocess, pix2pix)");
  struct Args {
    DatasetArgs data;
    std::string kind, arch = "paper", out, condition = "backprojection", log_dir, test_indices, operator_spec,
                      noise, noise_range = "0:0.5", schedule = "linear";
    int64_t diffusion_steps = 1000;
    int64_t depth = 8;
    int64_t latent_dim = 0, channels = 32, epochs = 0, batch_size = 0, critic_steps = 0, pretrain = 0,
            warmup = 0, log_every = 0, stop_after = 0;
    ParallelArgs parallel;
    double lr = 0, lr_critic = 0, beta1 = 0, beta2 = 0, kl_weight = 0, rho = 0, gp = 0, r1 = 0, ema = 0,
           l1 = 0;
    bool resume = false, bias_free = false, attention = false;
  };
  auto a = std::make_shared<Args>();
  train
      ->add_option(
          "--model", a->kind,
          "Model kind: ae, vae, wgan-gp, gan-hinge, gan (generators), dncnn, drunet (denoisers), ddpm "
          "(diffusion), cfm, postprocess, pix2pix (conditional: with --operator and --noise)")
      ->required();
  train
      ->add_option("--noise-range", a->noise_range,
                   "Denoisers: noise standard deviations A:B drawn per image in training")
      ->capture_default_str();
  train->add_option(
      "--depth", a->depth,
      "Denoisers: dncnn's convolutions (default 8), drunet's residual blocks per stage (default 1)");
  train->add_flag("--bias-free", a->bias_free, "drunet: no biases (Mohan et al. 2020)");
  train->add_option("--schedule", a->schedule, "ddpm: noise schedule, linear or cosine")
      ->capture_default_str();
  train->add_option("--diffusion-steps", a->diffusion_steps, "ddpm: the number T of diffusion steps")
      ->capture_default_str();
  train->add_flag("--attention", a->attention,
                  "ddpm, cfm, postprocess: self-attention at the lowest resolution");
  train->add_option("--arch", a->arch, "Architecture: paper or resnet")->capture_default_str();
  a->data.add_to(train, "train");
  train->get_option("--dataset")->required(false)->default_str("mnist");
  a->data.dataset = "mnist";
  train->add_option("--latent-dim", a->latent_dim, "Latent dimension (default 10 for shapes, 8 otherwise)");
  train->add_option("--channels", a->channels, "Base channel count of the networks")->capture_default_str();
  train->add_option("--epochs", a->epochs, "Epochs (default 20 for ae/vae, 50 for GANs)");
  train->add_option("--batch-size", a->batch_size, "Batch size (default 64)");
  train->add_option("--lr", a->lr, "Learning rate of the autoencoder or generator");
  train->add_option("--lr-critic", a->lr_critic, "Learning rate of the GAN critic");
  train->add_option("--beta1", a->beta1, "Adam beta1");
  train->add_option("--beta2", a->beta2, "Adam beta2");
  auto* kl = train->add_option("--kl-weight", a->kl_weight,
                               "VAE: weight beta of KL/pixels against the per-pixel MSE (default 0.05)");
  train->add_option("--rho", a->rho, "VAE: decoder noise level rho, the same as --kl-weight 2 rho^2")
      ->excludes(kl);
  train->add_option("--pretrain-epochs", a->pretrain, "VAE: epochs of deterministic AE pre-training");
  train->add_option("--kl-warmup-epochs", a->warmup, "VAE: epochs over which the KL weight rises from 0");
  train->add_option("--gp-weight", a->gp, "wgan-gp: gradient penalty weight (default 10)");
  train->add_option("--critic-steps", a->critic_steps, "GANs: critic steps per generator step");
  train->add_option("--r1-weight", a->r1, "gan-hinge: R1 penalty weight gamma (default 1)");
  train->add_option("--l1-weight", a->l1,
                    "pix2pix: weight of the L1 loss against the adversarial one (default 100)");
  train->add_option("--ema-decay", a->ema,
                    "gan-hinge, ddpm: decay of the moving average of the weights (default 0.999)");
  train->add_option(
      "--operator", a->operator_spec,
      "Conditional kinds: train on pairs (x, A x + e) simulated with this operator (as simulate)");
  train
      ->add_option("--condition", a->condition,
                   "Conditional kinds: what the network sees of y, backprojection (A^T y), lmmse (the "
                   "Wiener estimate under the training images' mean and covariance) or fbp (CT: filtered "
                   "back-projection, as FBPConvNet)")
      ->capture_default_str();
  train->add_option("--noise", a->noise,
                    "Conditional kinds: the noise of the simulated pairs (SIGMA, poisson:PEAK)");
  train->add_option("--out", a->out, "Checkpoint file (.pt), rewritten after every epoch")->required();
  train->add_option("--log-dir", a->log_dir,
                    "Folder for history.json, losses.png, samples (default OUT_train)");
  train->add_option("--test-indices", a->test_indices,
                    "Test images for reconstruction PSNR and grids (default: the first 2,000)");
  train->add_flag("--resume", a->resume, "Continue from the checkpoint at --out when it exists");
  train->add_option("--log-every", a->log_every, "Steps between progress lines (default: 5 per epoch)");
  train->add_option("--stop-after", a->stop_after, "Stop after this many epochs in this run (resume later)");
  a->parallel.add_to(train, "its share of every batch");
  check_domains(train, {{"--latent-dim", positive_integer(4096)},
                        {"--channels", positive_integer(1024)},
                        {"--epochs", positive_integer(100000)},
                        {"--batch-size", positive_integer(1 << 20)},
                        {"--lr", positive_real()},
                        {"--lr-critic", positive_real()},
                        {"--beta1", real_in_half_open(0, 1)},
                        {"--beta2", real_in_half_open(0, 1)},
                        {"--kl-weight", non_negative_real()},
                        {"--rho", positive_real()},
                        {"--pretrain-epochs", non_negative_integer(100000)},
                        {"--kl-warmup-epochs", non_negative_integer(100000)},
                        {"--gp-weight", non_negative_real()},
                        {"--critic-steps", positive_integer(1000)},
                        {"--r1-weight", non_negative_real()},
                        {"--l1-weight", non_negative_real()},
                        {"--ema-decay", real_in_half_open(0, 1)},
                        {"--log-every", positive_integer()},
                        {"--stop-after", positive_integer(100000)},
                        {"--depth", integer_in(1, 64)},
                        {"--diffusion-steps", integer_in(2, 100000)}});
  commands.add(train, [=](Context& ctx) {
    // Data parallelism: --nproc N starts N ranks of this same command; a rank joins the group.
    auto parallel = a->parallel;
    if (parallel.launch_or_join(*train, ctx)) return;
    const auto& group = parallel.group;
    const RootLog root_log(parallel.group, ctx.text());
    const bool root = root_log.root();
    std::ostream& text = root_log.stream();
    ModelRegistry::instance().at(a->kind);                         // names the model kinds
    const auto& recipe = TrainingRecipes::instance().at(a->kind);  // and those that train
    std::string conditional;
    for (const auto& name : ModelRegistry::instance().names())
      if (TrainingRecipes::instance().at(name).needs_measurements)
        conditional += (conditional.empty() ? "" : ", ") + name;
    if (recipe.needs_measurements)
      require(!a->operator_spec.empty() && !a->noise.empty(), a->kind,
              " trains on simulated (image, measurement) pairs: give --operator and --noise");
    else
      require(a->operator_spec.empty() && a->noise.empty(), a->kind,
              " trains on images alone: --operator and --noise are for conditional kinds (",
              conditional.empty() ? std::string("none in this build") : conditional, ")");
    auto data_options = a->data.options();
    const auto data = load_dataset(a->data.dataset, data_options);
    // The description of the model to train, from the options of its role.
    const auto role = ModelRegistry::instance().at(a->kind).role;
    nlohmann::json description;
    std::string about;
    require(role == ModelRole::conditional_generator || train->count("--condition") == 0,
            "--condition is for conditional kinds (cfm, postprocess, pix2pix), not ", a->kind);
    if (role != ModelRole::noise_predictor)
      for (const char* option : {"--schedule", "--diffusion-steps", "--attention"})
        require(train->count(option) == 0 ||
                    (role == ModelRole::conditional_generator && std::string(option) == "--attention"),
                option, " is for diffusion models (ddpm), not ", a->kind);
    if (role == ModelRole::generator) {
      for (const char* option : {"--noise-range", "--depth", "--bias-free"})
        require(train->count(option) == 0, option, " is for denoisers, not ", a->kind);
      ModelConfig config;
      config.kind = a->kind;
      config.arch = a->arch;
      config.height = data.height();
      config.width = data.width();
      config.latent_dim = a->latent_dim > 0 ? a->latent_dim : default_latent_dim(a->data.dataset);
      config.channels = a->channels;
      config.validate();
      description = config.to_json();
      about = config.arch + ", latent dim " + std::to_string(config.latent_dim);
    } else if (role == ModelRole::denoiser) {
      for (const char* option : {"--arch", "--latent-dim"})
        require(train->count(option) == 0, option, " is for generators, not ", a->kind);
      require(a->kind == "drunet" || train->count("--bias-free") == 0, "--bias-free is for drunet, not ",
              a->kind);
      const auto colon = a->noise_range.find(':');
      require(colon != std::string::npos, "bad --noise-range '", a->noise_range, "' (use A:B, e.g. 0:0.5)");
      description = {{"kind", a->kind},
                     {"height", data.height()},
                     {"width", data.width()},
                     {"features", a->channels},
                     {"noise_low", parse_number(a->noise_range.substr(0, colon), "--noise-range")},
                     {"noise_high", parse_number(a->noise_range.substr(colon + 1), "--noise-range")}};
      if (train->count("--depth")) description["depth"] = a->depth;
      if (a->bias_free) description["bias_free"] = true;
      description = make_model(description)->describe();  // the kind's defaults filled in, checked
      about = "depth " + description.at("depth").dump() + ", noise " + a->noise_range;
    } else if (role == ModelRole::noise_predictor) {
      for (const char* option : {"--arch", "--latent-dim", "--noise-range", "--depth", "--bias-free"})
        require(train->count(option) == 0, option, " is not an option of ", a->kind);
      description = {
          {"kind", a->kind},           {"height", data.height()},
          {"width", data.width()},     {"features", a->channels},
          {"attention", a->attention}, {"schedule", {{"kind", a->schedule}, {"steps", a->diffusion_steps}}}};
      description = make_model(description)->describe();
      about = a->schedule + " schedule, T " + std::to_string(a->diffusion_steps) + ", features " +
              std::to_string(a->channels) + (a->attention ? ", attention" : "");
    } else {
      // Conditional kinds: the acquisition they learn is part of the model (refused elsewhere).
      for (const char* option : {"--arch", "--latent-dim", "--noise-range", "--depth", "--bias-free"})
        require(train->count(option) == 0, option, " is not an option of ", a->kind);
      const auto op = make_operator(a->operator_spec, data.height(), data.width());
      description = {{"kind", a->kind},
                     {"height", data.height()},
                     {"width", data.width()},
                     {"features", a->channels},
                     {"attention", a->attention},
                     {"operator", op->spec()},
                     {"noise", NoiseModel::parse(a->noise).str()},
                     {"condition", a->condition}};
      description = make_model(description)->describe();
      about = "for " + op->spec() + ", noise " + NoiseModel::parse(a->noise).str() + ", condition " +
              a->condition + ", features " + std::to_string(a->channels);
    }

    auto test_options = data_options;
    test_options.split("test").range(IndexRange::parse(a->test_indices));
    if (!data_options.image_size().empty() || a->data.dataset.rfind("folder:", 0) == 0)
      test_options.image_size({data.height(), data.width()});
    auto test = load_dataset(a->data.dataset, test_options).images;
    if (a->test_indices.empty()) test = test.narrow(0, 0, std::min<int64_t>(2000, test.size(0)));

    auto options = recipe.defaults;
    options.epochs(a->epochs > 0 ? a->epochs : recipe.epochs).seed(ctx.options().seed);
    if (a->batch_size > 0) options.batch_size(a->batch_size);
    if (train->count("--lr")) options.lr(a->lr);
    if (train->count("--lr-critic")) options.lr_critic(a->lr_critic);
    if (train->count("--beta1")) options.beta1(a->beta1);
    if (train->count("--beta2")) options.beta2(a->beta2);
    if (train->count("--kl-weight")) options.kl_weight(a->kl_weight);
    if (train->count("--rho")) options.kl_weight(2.0 * a->rho * a->rho);
    if (train->count("--pretrain-epochs")) options.pretrain_epochs(a->pretrain);
    if (train->count("--kl-warmup-epochs")) options.kl_warmup_epochs(a->warmup);
    if (train->count("--gp-weight")) options.gp_weight(a->gp);
    if (train->count("--critic-steps")) options.critic_steps(a->critic_steps);
    if (train->count("--r1-weight")) options.r1_weight(a->r1);
    if (train->count("--ema-decay")) options.ema_decay(a->ema);
    if (train->count("--l1-weight")) options.l1_weight(a->l1);
    require(options.lr() > 0 && (!train->count("--lr-critic") || options.lr_critic() > 0),
            "learning rates must be positive");
    require(options.beta1() >= 0 && options.beta1() < 1 && options.beta2() >= 0 && options.beta2() < 1,
            "Adam betas must be in [0, 1)");
    require(options.kl_weight() >= 0 && options.gp_weight() >= 0 && options.r1_weight() >= 0,
            "loss weights must not be negative");
    require(options.ema_decay() >= 0 && options.ema_decay() < 1, "--ema-decay must be in [0, 1)");

    TrainingRunOptions run;
    run.checkpoint = a->out;
    run.log_dir = a->log_dir.empty() ? default_log_dir(a->out) : a->log_dir;
    run.resume = a->resume;
    run.dataset = a->data.dataset;
    run.log_every = a->log_every;
    run.terminal = interactive(ctx);
    run.max_epochs_now = a->stop_after;
    run.group = group;

    text << "training " << a->kind << " (" << about << ") on " << data.size() << " " << data.name << " "
         << data.split << " images " << data.height() << "x" << data.width() << ", " << options.epochs()
         << " epochs of batch " << options.batch_size() << " on " << ctx.device();
    if (group)
      text << ", " << group->size() << " data-parallel ranks of " << torch::get_num_threads() << " threads";
    text << "\n";
    auto pairs = [&](const torch::Tensor& images, uint64_t seed) {
      if (!recipe.needs_measurements) return TrainingData(images);
      return TrainingData(images, SimulatedAcquisition{a->operator_spec, NoiseModel::parse(a->noise)}, seed);
    };
    // Test pairs from another noise stream than the training pairs.
    const auto summary = run_training(description, options, pairs(data.images, options.seed()),
                                      pairs(test, options.seed() + 1), run, ctx.device(), text);
    if (!root) return;
    text << "wrote " << a->out << " (" << summary.epochs_done << " epochs";
    if (summary.test_metrics.count("test_psnr"))
      text << ", test PSNR " << summary.test_metrics.at("test_psnr") << " dB";
    text << "); figures in " << run.log_dir << "\n";
    ctx.emit(summary.document);
  });
}

}  // namespace genreg::cli
