// genreg simulate: measurements y = A x + e of dataset images, stored with everything a
// reconstruction needs.
#include <cmath>

#include "genreg/cli/cli.h"
#include "genreg/cli/dataset_args.h"
#include "genreg/core/error.h"
#include "genreg/io/output_paths.h"
#include "genreg/operators/make_operator.h"
#include "genreg/operators/measurements.h"

namespace genreg::cli {

void add_simulate_command(CLI::App& app, Commands& commands) {
  std::string operators = "Forward operator:";
  for (const auto& [spec, help] : operator_help()) operators += "\n  " + spec + ": " + help;
  auto* simulate =
      app.add_subcommand("simulate", "Simulate noisy measurements y = A x + e of dataset images");
  auto args = std::make_shared<DatasetArgs>();
  args->add_to(simulate, "test");
  auto op = std::make_shared<std::string>();
  auto noise = std::make_shared<std::string>("0.1");
  auto out = std::make_shared<std::string>();
  simulate->add_option("--operator", *op, operators)->required();
  simulate->add_option("--noise", *noise, "Noise: SIGMA (Gaussian), gaussian:SIGMA or poisson:PEAK")
      ->capture_default_str();
  simulate->add_option("--out", *out, "Output measurement file (.pt)")->required();
  simulate->footer(
      "The noise is drawn from the global --seed; operator seeds are part of the spec (cs:150,seed=1).");
  commands.add(simulate, [=](Context& ctx) {
    check_output_file(*out, {".pt"}, "measurement file");
    const auto data = args->load();
    const auto noise_model = NoiseModel::parse(*noise);
    const auto m = simulate_measurements(data, *op, noise_model, ctx.options().seed);
    save_measurements(*out, m);
    const auto clean_norm = (m.y.flatten(1).norm(2, 1)).mean().item<double>();
    const int64_t count = m.y[0].numel();
    nlohmann::json summary = {{"out", *out},
                              {"dataset", m.dataset},
                              {"split", m.split},
                              {"count", m.size()},
                              {"operator", m.operator_spec},
                              {"measurements_per_image", count},
                              {"noise", m.noise.str()},
                              {"sigma", m.sigma},
                              {"seed", m.seed},
                              {"discrepancy_level", static_cast<double>(count) * m.sigma * m.sigma},
                              {"mean_norm_y", clean_norm}};
    ctx.text() << "wrote " << *out << ": " << m.size() << " " << m.dataset << " " << m.split
               << " images, operator " << m.operator_spec << " (" << count << " measurements each), noise "
               << m.noise.str() << "\n";
    ctx.emit(summary);
  });
}

}  // namespace genreg::cli
