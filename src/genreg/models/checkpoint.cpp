#include "genreg/models/checkpoint.h"

#include <cstdio>
#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/model_registry.h"
#include "genreg/models/torchscript_model.h"

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

// FNV-1a (64 bit) over the whole content: the description, the training state, every weight's
// name, shape and bytes and every optimiser's bytes, in name order. Stored at save and checked at
// load, so that a damaged file (LibTorch's zip reader does not check its CRCs) is refused instead
// of loaded with wrong weights or resumed with a wrong optimiser state.
std::string content_hash(const std::string& model, const std::string& training,
                         const std::map<std::string, torch::Tensor>& state,
                         const std::map<std::string, std::string>& optimizers) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  };
  mix(model.data(), model.size());
  mix(training.data(), training.size());
  for (const auto& [name, t] : state) {
    mix(name.data(), name.size());
    for (const auto d : t.sizes()) mix(&d, sizeof d);
    const auto c = t.to(torch::kCPU).contiguous();
    mix(c.data_ptr(), c.numel() * c.element_size());
  }
  for (const auto& [name, bytes] : optimizers) {
    mix(name.data(), name.size());
    mix(bytes.data(), bytes.size());
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
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
  require(model.kind_name() != "torchscript", "refusing to save ", path,
          ": a TorchScript model is saved by PyTorch (torch.jit.save), or exported with genreg export");
  const auto state = model_state(model);
  for (const auto& [name, t] : state)
    require(torch::isfinite(t).all().item<bool>(), "refusing to save ", path, ": weight '", name,
            "' is not finite (the training diverged)");
  c10::Dict<std::string, torch::Tensor> weights;
  for (const auto& [name, t] : state) weights.insert(name, t);
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
  dict.insert("content_hash",
              content_hash(description.dump(), extras.training.dump(), state, extras.optimizers));
  dict.insert("training", extras.training.dump());
  dict.insert("optimizers", optimizers);
  save_pickle(path, dict);
}

LoadedCheckpoint load_checkpoint(const std::string& path, torch::Device device) {
  require_input_file(path, "checkpoint");
  // A model written in Python as TorchScript (models/torchscript_model.h).
  if (is_torchscript_file(path)) return {load_torchscript_model(path, device), {}};
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
  for (const auto& entry : dict.at("weights").toGenericDict()) {
    require(entry.value().isTensor(), path, ": the checkpoint is damaged (weight '",
            entry.key().toStringRef(), "' is not a tensor)");
    state[entry.key().toStringRef()] = entry.value().toTensor();
  }
  if (dict.contains("optimizers") && dict.at("optimizers").isGenericDict())
    for (const auto& entry : dict.at("optimizers").toGenericDict())
      if (entry.value().isTensor())
        out.extras.optimizers[entry.key().toStringRef()] = tensor_bytes(entry.value().toTensor());
  // Files written before the hash was stored (the committed models) load without the check.
  if (dict.contains("content_hash")) {
    const std::string training =
        dict.contains("training") && dict.at("training").isString() ? dict.at("training").toStringRef() : "";
    require(dict.at("content_hash").isString() &&
                dict.at("content_hash").toStringRef() ==
                    content_hash(dict.at("model").toStringRef(), training, state, out.extras.optimizers),
            path,
            ": the checkpoint is damaged (its content does not match the checksum stored with it; weights "
            "edited in Python: drop its \"content_hash\" entry, or save with genreg.Model.save)");
  }
  for (const auto& [name, t] : state)
    require(torch::isfinite(t).all().item<bool>(), path, " holds a weight that is not finite ('", name,
            "'): the model cannot be used");
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

void check_role(const Model& model, ModelRole role, const std::string& path) {
  require(model.role() == role, path, " holds a ", to_string(model.role()), " (", model.kind_name(),
          "), not a ", to_string(role));
}

ModelPtr load_model(const std::string& path, ModelRole role, torch::Device device) {
  auto model = load_model(path, device);
  check_role(*model, role, path);
  return model;
}

GenerativeModelPtr load_generator(const std::string& path, torch::Device device) {
  auto generator = std::dynamic_pointer_cast<GenerativeModel>(load_model(path, ModelRole::generator, device));
  require(generator != nullptr, path, " holds a generator genreg cannot use as a latent generator");
  return generator;
}

}  // namespace genreg
