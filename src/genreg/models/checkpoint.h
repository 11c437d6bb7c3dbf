#pragma once
// A model checkpoint: one torch pickle (.pt) file holding the model description (kind,
// architecture, image size, latent dimension), every weight, and the training state (options,
// epoch, loss history, optimiser state), so that any later command loads it with no extra flags
// and a killed training resumes where the last checkpoint left it. Written atomically.
// Python reads it with torch.load: a dict with "format", "model" (JSON), "weights" (name -> tensor),
// "training" (JSON) and "optimizers" (name -> serialised LibTorch optimiser).
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "genreg/models/generative_model.h"

namespace genreg {

struct CheckpointExtras {
  nlohmann::json training = nlohmann::json::object();
  std::map<std::string, std::string> optimizers;  // name -> LibTorch archive bytes
};

struct LoadedCheckpoint {
  GenerativeModelPtr model;
  CheckpointExtras extras;
};

void save_checkpoint(const std::string& path, GenerativeModel& model, const CheckpointExtras& extras = {});

// Rebuilds the model on `device`. Throws genreg::Error for a missing file, a file that is not a
// genreg model checkpoint, or weights that do not fit the described architecture.
LoadedCheckpoint load_checkpoint(const std::string& path, torch::Device device = torch::kCPU);

// The model of a checkpoint ready to generate: eval mode, weights frozen.
GenerativeModelPtr load_generator(const std::string& path, torch::Device device = torch::kCPU);

// Weights of a model by name ("decoder.0.weight", ...): parameters and buffers, on the CPU.
std::map<std::string, torch::Tensor> model_state(GenerativeModel& model);
// Copies `state` into the model; every name must be present with the right shape.
void load_model_state(GenerativeModel& model, const std::map<std::string, torch::Tensor>& state,
                      const std::string& what);

}  // namespace genreg
