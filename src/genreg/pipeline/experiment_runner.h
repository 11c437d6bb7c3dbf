#pragma once
// One reference experiment end to end, shared by `genreg experiment` and `genreg demo`: get the
// generators (load them from a folder, or train them with the default recipe, resuming a killed
// run), simulate the measurements, run every method (parameters chosen on the validation images)
// and write the table (markdown and JSON), the figures and an HTML report. Every method's result is
// kept on disk as soon as it is done, so a killed run starts again where it stopped.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "genreg/distributed/process_group.h"
#include "genreg/pipeline/experiment.h"

namespace genreg {

struct ExperimentArgs {
  std::string out;
  std::string generators;              // folder with KIND.pt per generator; empty: train them into out/
  int64_t restarts = 0;                // per image, generative methods (0: the experiment's default)
  int64_t iterations = 200;            // of every generative method
  int64_t epochs = 0;                  // training epochs (0: the recipe's default)
  int64_t channels = 32;               // base channels of trained generators
  int64_t batch = 2048;                // largest batch of samples solved at once
  std::vector<std::string> only;       // method keys to run (empty: all), e.g. hard/vae, tv
  std::string title;                   // report title (default: the experiment's description)
  std::string command = "experiment";  // the command named in results.json ("demo")
  std::string validation, report;      // test index ranges (default: the protocol's 0:20 and 100:200)
  torch::Device device = torch::kCPU;
  uint64_t seed = 0;
  bool terminal = false;  // progress lines redrawn in place (an interactive terminal)
  // Ranks that share the work (distributed/process_group.h; null: one process): models are trained
  // data-parallel, every sweep and solve is sharded by image, and rank 0 alone prints and writes.
  ProcessGroupPtr group;
};

// Progress goes to `os`. Returns the document it also writes to out/results.json (io/results_file.h).
nlohmann::json run_experiment(const ExperimentSpec& spec, const ExperimentArgs& args, std::ostream& os);

}  // namespace genreg
