#pragma once
// A model checkpoint, one format for every model kind: one torch pickle (.pt) file holding the
// model description (its kind and everything the kind's factory needs, models/model_registry.h),
// every weight, and the training state (options, epoch, loss history, optimiser state), so that
// any later command loads it with no extra flags and a killed training resumes where the last
// checkpoint left it. Written atomically. Python reads it with torch.load: a dict with "format",
// "kind", "role", "model" (JSON), "weights" (name -> tensor), "training" (JSON) and "optimizers"
// (name -> serialised LibTorch optimiser); generators also carry arch, height, width, latent_dim.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "genreg/core/error.h"
#include "genreg/models/generative_model.h"
#include "genreg/models/model.h"

namespace genreg {

struct CheckpointExtras {
  nlohmann::json training = nlohmann::json::object();
  std::map<std::string, std::string> optimizers;  // name -> LibTorch archive bytes
};

struct LoadedCheckpoint {
  ModelPtr model;
  CheckpointExtras extras;
};

void save_checkpoint(const std::string& path, Model& model, const CheckpointExtras& extras = {});

// Rebuilds the model on `device` through its kind's factory. Throws genreg::Error for a missing
// file, a file that is not a genreg model checkpoint, an unknown kind, or weights that do not fit
// the described network.
LoadedCheckpoint load_checkpoint(const std::string& path, torch::Device device = torch::kCPU);

// The model of a checkpoint ready to use as a prior: eval mode, weights frozen.
ModelPtr load_model(const std::string& path, torch::Device device = torch::kCPU);

// A model of `role`; a checkpoint of another role is a clear error naming both.
ModelPtr load_model(const std::string& path, ModelRole role, torch::Device device = torch::kCPU);
// The same check for a model already loaded from `path`.
void check_role(const Model& model, ModelRole role, const std::string& path);

// `model` (loaded from `path`) through the interface that its role's users call: Generator,
// Denoiser, NoisePredictor or ConditionalGenerator. A model that does not offer it is a clear error.
template <class Interface>
std::shared_ptr<Interface> model_as(const ModelPtr& model, const std::string& path) {
  auto typed = std::dynamic_pointer_cast<Interface>(model);
  require(typed != nullptr, path, " does not hold a ", to_string(model->role()), " genreg can use (",
          model->kind_name(), ")");
  return typed;
}

// A model of the generator role; a checkpoint of another role is a clear error naming it.
GenerativeModelPtr load_generator(const std::string& path, torch::Device device = torch::kCPU);

// Weights of a model by name ("decoder.0.weight", ...): parameters and buffers, on the CPU.
std::map<std::string, torch::Tensor> model_state(Model& model);
// Copies `state` into the model; every name must be present with the right shape.
void load_model_state(Model& model, const std::map<std::string, torch::Tensor>& state,
                      const std::string& what);

}  // namespace genreg
