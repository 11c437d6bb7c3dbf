#pragma once
// Any network genreg trains, saves and loads, whatever its role. A model kind (model_registry.h)
// builds one from the JSON description stored in its checkpoint; the checkpoint (checkpoint.h)
// holds that description, every weight and the training state. What a method can do with a model
// depends on its role, seen through the role's interface, which a kind implements beside Model:
// Generator (z -> x, generator.h), Denoiser ((x, sigma) -> x, denoiser.h), NoisePredictor
// ((x_t, t) -> eps, noise_predictor.h) and ConditionalGenerator ((z, condition) -> x,
// conditional_generator.h).
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace genreg {

enum class ModelRole {
  generator,              // z -> x; optional encoder x -> z
  denoiser,               // (x, sigma) -> x
  noise_predictor,        // (x_t, t) -> eps
  conditional_generator,  // (z, condition) -> x
};
std::string to_string(ModelRole role);

class Model : public torch::nn::Module {
 public:
  // The registered kind ("vae") and its role.
  virtual std::string kind_name() const = 0;
  // The kind whose methods this model serves: its own, except for a model that stands for another
  // kind (a TorchScript model names the genreg kind it was exported from, torchscript_model.h).
  virtual std::string served_kind() const { return kind_name(); }
  virtual ModelRole role() const = 0;
  // Everything the kind's factory needs to rebuild the network ("kind" included).
  virtual nlohmann::json describe() const = 0;
  // Images the model acts on: {H, W}.
  virtual std::vector<int64_t> image_size() const = 0;
  virtual torch::Device device() const = 0;
  // Moves every network to `device`.
  virtual void move_to(torch::Device device) = 0;
  // Turns gradients of every weight on or off (off when the model serves as a fixed prior).
  virtual void set_trainable(bool trainable) = 0;
};

using ModelPtr = std::shared_ptr<Model>;

}  // namespace genreg
