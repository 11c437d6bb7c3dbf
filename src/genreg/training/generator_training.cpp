// What run_training shows of an AE, VAE or GAN after every epoch, and their output initialisation.
#include "genreg/training/generator_training.h"

#include <cstdio>
#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/image_grid.h"

namespace genreg {
namespace {

GenerativeModel& as_generator(Model& model) {
  auto* generator = dynamic_cast<GenerativeModel*>(&model);
  require(generator != nullptr, "a ", model.kind_name(), " model is not a generator");
  return *generator;
}

class GeneratorMonitor : public TrainingMonitor {
 public:
  GeneratorMonitor(Model& model, const TrainOptions& options, const TrainingData& test, int64_t sample_count)
      : test_(test.images().to(model.device())) {
    auto& generator = as_generator(model);
    // Fixed latent vectors, so that the sample grids of successive epochs compare.
    torch::manual_seed(options.seed() + 0x5eedULL);
    fixed_z_ = generator.sample_latent(sample_count);
    shown_test_ = test_.narrow(0, 0, std::min<int64_t>(16, test_.size(0)));
  }

  std::map<std::string, double> evaluate(Model& model) override {
    auto& generator = as_generator(model);
    if (!generator.has_encoder()) return {};
    return {{"test_psnr", reconstruction_psnr(generator, test_)}};
  }

  std::vector<Figure> write_figures(Model& model, const std::string& dir, int64_t epoch) override {
    namespace fs = std::filesystem;
    auto& generator = as_generator(model);
    torch::NoGradGuard no_grad;
    const bool was_training = generator.is_training();
    generator.eval();
    std::vector<Figure> figures;
    const auto samples = generator.decode(fixed_z_);
    char name[64];
    std::snprintf(name, sizeof name, "epoch_%04lld.png", static_cast<long long>(epoch + 1));
    fs::create_directories(fs::path(dir) / "samples");
    write_image_grid((fs::path(dir) / "samples" / name).string(), samples);
    write_image_grid((fs::path(dir) / "samples.png").string(), samples);
    figures.push_back(
        {"samples.png", "G(z) for the same latent vectors z ~ N(0, I) after every epoch (samples/)"});
    if (generator.has_encoder()) {
      const auto rec = generator.decode(generator.encode(shown_test_));
      write_comparison_grid(
          (fs::path(dir) / "reconstructions.png").string(),
          {GridRow{shown_test_}, GridRow{rec}, GridRow{(rec - shown_test_).abs(), Colormap::heat, 0.0, 1.0}});
      figures.push_back({"reconstructions.png", "test images / G(E(x)) / |error|"});
    }
    generator.train(was_training);
    return figures;
  }

 private:
  torch::Tensor test_, shown_test_, fixed_z_;
};

}  // namespace

std::unique_ptr<TrainingMonitor> make_generator_monitor(Model& model, const TrainOptions& options,
                                                        const TrainingData& test, int64_t sample_count) {
  return std::make_unique<GeneratorMonitor>(model, options, test, sample_count);
}

void initialise_generator_output(Model& model, const TrainingData& train) {
  const double mean = train.images().mean().item<double>();
  if (mean > 0.0 && mean < 1.0) as_generator(model).set_output_intensity(mean);
}

double reconstruction_psnr(GenerativeModel& model, const torch::Tensor& images) {
  require(model.has_encoder(), "a ", model.kind_name(), " model has no encoder to reconstruct with");
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double sum = 0.0;
  const int64_t n = images.size(0);
  for (int64_t i = 0; i < n; i += 256) {
    const auto x = images.narrow(0, i, std::min<int64_t>(256, n - i)).to(model.device());
    sum += psnr(model.decode(model.encode(x)), x).sum().item<double>();
  }
  model.train(was_training);
  return sum / static_cast<double>(n);
}

}  // namespace genreg
