#include "genreg/models/checkpoint.h"

#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/model_registry.h"

namespace genreg {
namespace {

// Every checkpoint is written as kFormat; files of the first format (generators only, the same
// layout) still load.
constexpr const char* kFormat = "genreg-model-1";
constexpr const char* kGeneratorFormat = "genreg-generator-1";

torch::Tensor bytes_tensor(const std::string& bytes) {
  auto t = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  return t;
}

std::string tensor_bytes(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU).contiguous();
  return std::string(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), c.numel());
}

}  // namespace

std::map<std::string, torch::Tensor> model_state(Model& model) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& p : model.named_parameters())
    state[p.key()] = p.value().detach().to(torch::kCPU).contiguous();
  for (const auto& b : model.named_buffers())
    state[b.key()] = b.value().detach().to(torch::kCPU).contiguous();
  return state;
}

void load_model_state(Model& model, const std::map<std::string, torch::Tensor>& state,
                      const std::string& what) {
  torch::NoGradGuard no_grad;
  size_t used = 0;
  auto copy = [&](const std::string& name, torch::Tensor& target) {
    auto it = state.find(name);
    require(it != state.end(), what, " has no weight '", name, "' for a ", model.kind_name(), " model (",
            model.describe().dump(), ")");
    require(it->second.sizes() == target.sizes(), what, ": weight '", name, "' has shape ",
            it->second.sizes(), ", the model expects ", target.sizes());
    target.copy_(it->second);
    ++used;
  };
  for (auto& p : model.named_parameters()) copy(p.key(), p.value());
  for (auto& b : model.named_buffers()) copy(b.key(), b.value());
  require(used == state.size(), what, " holds ", state.size() - used, " weights the model does not have");
}

void save_checkpoint(const std::string& path, Model& model, const CheckpointExtras& extras) {
  c10::Dict<std::string, torch::Tensor> weights;
  for (const auto& [name, t] : model_state(model)) weights.insert(name, t);
  c10::Dict<std::string, torch::Tensor> optimizers;
  for (const auto& [name, bytes] : extras.optimizers) optimizers.insert(name, bytes_tensor(bytes));
  const auto description = model.describe();
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("format", std::string(kFormat));
  dict.insert("model", description.dump());
  dict.insert("kind", model.kind_name());
  dict.insert("role", to_string(model.role()));
  // The description's scalars at the top level too, for a reader in Python.
  for (const auto& [key, value] : description.items()) {
    if (dict.contains(key)) continue;
    if (value.is_string()) dict.insert(key, value.get<std::string>());
    if (value.is_number_integer()) dict.insert(key, value.get<int64_t>());
  }
  dict.insert("weights", weights);
  dict.insert("training", extras.training.dump());
  dict.insert("optimizers", optimizers);
  save_pickle(path, dict);
}

LoadedCheckpoint load_checkpoint(const std::string& path, torch::Device device) {
  require(std::filesystem::is_regular_file(path), "no such checkpoint: ", path);
  const std::string not_ours = " is not a genreg model checkpoint (train one with genreg train)";
  c10::IValue value;
  try {
    value = load_pickle(path);
  } catch (const Error&) {
    fail(path, not_ours);
  }
  require(value.isGenericDict(), path, not_ours);
  const auto dict = value.toGenericDict();
  require(
      dict.contains("format") && dict.at("format").isString() &&
          (dict.at("format").toStringRef() == kFormat || dict.at("format").toStringRef() == kGeneratorFormat),
      path, not_ours);
  require(dict.contains("model") && dict.at("model").isString() && dict.contains("weights") &&
              dict.at("weights").isGenericDict(),
          path, ": the checkpoint is incomplete (no model description or weights)");
  LoadedCheckpoint out;
  nlohmann::json description;
  try {
    description = nlohmann::json::parse(dict.at("model").toStringRef());
    if (dict.contains("training") && dict.at("training").isString())
      out.extras.training = nlohmann::json::parse(dict.at("training").toStringRef());
  } catch (const nlohmann::json::exception&) {
    fail(path, ": the model description is damaged");
  }
  std::map<std::string, torch::Tensor> state;
  for (const auto& entry : dict.at("weights").toGenericDict())
    state[entry.key().toStringRef()] = entry.value().toTensor();
  if (dict.contains("optimizers"))
    for (const auto& entry : dict.at("optimizers").toGenericDict())
      out.extras.optimizers[entry.key().toStringRef()] = tensor_bytes(entry.value().toTensor());
  out.model = make_model(description);
  load_model_state(*out.model, state, path);
  out.model->move_to(device);
  return out;
}

ModelPtr load_model(const std::string& path, torch::Device device) {
  auto model = load_checkpoint(path, device).model;
  model->eval();
  model->set_trainable(false);
  return model;
}

ModelPtr load_model(const std::string& path, ModelRole role, torch::Device device) {
  auto model = load_model(path, device);
  require(model->role() == role, path, " holds a ", to_string(model->role()), " (", model->kind_name(),
          "), not a ", to_string(role));
  return model;
}

GenerativeModelPtr load_generator(const std::string& path, torch::Device device) {
  auto generator = std::dynamic_pointer_cast<GenerativeModel>(load_model(path, ModelRole::generator, device));
  require(generator != nullptr, path, " holds a generator genreg cannot use as a latent generator");
  return generator;
}

}  // namespace genreg
