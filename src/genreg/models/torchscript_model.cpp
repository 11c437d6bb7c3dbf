#include "genreg/models/torchscript_model.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/script.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"
#include "genreg/models/conditional_generator.h"
#include "genreg/models/denoiser.h"
#include "genreg/models/generator.h"
#include "genreg/models/noise_predictor.h"
#include "genreg/models/noise_schedule.h"
#include "genreg/operators/make_operator.h"
#include "genreg/operators/noise.h"

namespace genreg {
namespace {

namespace fs = std::filesystem;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The module behind every role: the JSON's sizes, the device, and calls that turn TorchScript's
// errors into genreg::Error.
class ScriptedModel : public Model {
 public:
  ScriptedModel(torch::jit::Module module, nlohmann::json meta, ModelRole role, std::string path)
      : module_(std::move(module)), meta_(std::move(meta)), role_(role), path_(std::move(path)) {
    size_ = meta_.at("image_size").get<std::vector<int64_t>>();
  }
  std::string kind_name() const override { return "torchscript"; }
  // "genreg_kind" of its genreg.json, when given.
  std::string served_kind() const override { return meta_.value("genreg_kind", std::string("torchscript")); }
  ModelRole role() const override { return role_; }
  nlohmann::json describe() const override {
    auto d = meta_;
    d["kind"] = "torchscript";
    d["file"] = path_;
    return d;
  }
  std::vector<int64_t> image_size() const override { return size_; }
  torch::Device device() const override { return device_; }
  void move_to(torch::Device device) override {
    module_.to(device);
    device_ = device;
  }
  void set_trainable(bool trainable) override {
    for (auto p : module_.parameters()) p.requires_grad_(trainable);
  }
  void train(bool on) override {
    torch::nn::Module::train(on);
    module_.train(on);
  }

 protected:
  torch::Tensor call(const std::string& method, std::vector<c10::IValue> inputs) {
    c10::IValue out;
    try {
      out = module_.get_method(method)(std::move(inputs));
    } catch (const c10::Error& e) {
      fail(path_, ": ", method, "() failed: ", first_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      // The interpreter's own errors (torch::jit::JITException) carry the script's traceback
      // before the message: keep the last line, the message.
      std::string text = e.what();
      while (!text.empty() && text.back() == '\n') text.pop_back();
      fail(path_, ": ", method, "() failed: ", text.substr(text.find_last_of('\n') + 1));
    }
    require(out.isTensor(), path_, ": ", method, "() returned a ", out.tagKind(), ", not a tensor");
    return out.toTensor();
  }
  bool has_method(const std::string& name) const { return module_.find_method(name).has_value(); }
  const nlohmann::json& meta() const { return meta_; }

 private:
  torch::jit::Module module_;
  nlohmann::json meta_;
  ModelRole role_;
  std::string path_;
  std::vector<int64_t> size_;
  torch::Device device_ = torch::kCPU;
};

class ScriptedGenerator : public ScriptedModel, public Generator {
 public:
  using ScriptedModel::ScriptedModel;
  torch::Tensor decode(const torch::Tensor& z) override { return call("forward", {z}); }
  int64_t latent_dim() const override { return meta().at("latent_dim").get<int64_t>(); }
  std::vector<int64_t> image_size() const override { return ScriptedModel::image_size(); }
  torch::Device device() const override { return ScriptedModel::device(); }
  bool has_encoder() const override { return has_method("encode"); }
  torch::Tensor encode(const torch::Tensor& x) override { return call("encode", {x}); }
};

class ScriptedDenoiser : public ScriptedModel, public Denoiser {
 public:
  using ScriptedModel::ScriptedModel;
  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma) override {
    return call("forward", {x, sigma});
  }
  std::vector<double> noise_range() const override {
    return meta().value("noise_range", std::vector<double>{0.0, 1.0});
  }
};

class ScriptedNoisePredictor : public ScriptedModel, public NoisePredictor {
 public:
  ScriptedNoisePredictor(torch::jit::Module module, nlohmann::json meta, ModelRole role, std::string path)
      : ScriptedModel(std::move(module), std::move(meta), role, std::move(path)) {
    if (this->meta().contains("alphas_cumprod")) {
      alphas_cumprod_ =
          torch::tensor(this->meta().at("alphas_cumprod").get<std::vector<double>>(), torch::kFloat64);
    } else {
      const auto schedule =
          NoiseSchedule::from_json(this->meta().value("schedule", nlohmann::json::object()));
      schedule.validate();
      alphas_cumprod_ = schedule.alphas_cumprod();
    }
    const auto a = alphas_cumprod_;
    require(a.numel() >= 2 && (a > 0).all().item<bool>() && (a < 1).all().item<bool>() &&
                (a.slice(0, 1) < a.slice(0, 0, -1)).all().item<bool>(),
            this->describe().at("file").get<std::string>(),
            ": alphas_cumprod must decrease strictly inside (0, 1)");
  }
  torch::Tensor predict_noise(const torch::Tensor& x_t, const torch::Tensor& t) override {
    return call("forward", {x_t, t});
  }
  int64_t steps() const override { return alphas_cumprod_.numel(); }
  torch::Tensor alphas_cumprod() const override { return alphas_cumprod_; }

 private:
  torch::Tensor alphas_cumprod_;
};

class ScriptedConditional : public ScriptedModel, public ConditionalGenerator {
 public:
  ScriptedConditional(torch::jit::Module module, nlohmann::json meta, ModelRole role, std::string path)
      : ScriptedModel(std::move(module), std::move(meta), role, std::move(path)) {
    const auto& m = this->meta();
    const auto file = this->describe().at("file").get<std::string>();
    require(m.contains("operator") && m["operator"].is_string() && m.contains("noise"), file,
            ": a conditional model's genreg.json needs \"operator\" and \"noise\" (its acquisition)");
    require(m.value("condition", std::string("backprojection")) == "backprojection", file,
            ": TorchScript conditional models take the back-projection A^T y (\"condition\": "
            "\"backprojection\")");
    const auto size = ScriptedModel::image_size();
    operator_spec_ = make_operator(m["operator"].get<std::string>(), size[0], size[1])->spec();
    noise_ = m["noise"].is_string() ? m["noise"].get<std::string>() : m["noise"].dump();
    NoiseModel::parse(noise_);
    latent_shape_ = m.value("latent_shape", std::vector<int64_t>{});
  }
  torch::Tensor generate(
      const torch::Tensor& z, const torch::Tensor& condition,
      const GenerationOptions& /*options: the script samples as it was written*/) override {
    return latent_shape_.empty() ? call("forward", {condition}) : call("forward", {z, condition});
  }
  std::vector<int64_t> latent_shape() const override { return latent_shape_; }
  std::string operator_spec() const override { return operator_spec_; }
  std::string noise() const override { return noise_; }

 private:
  std::string operator_spec_, noise_;
  std::vector<int64_t> latent_shape_;
};

nlohmann::json read_meta(const std::string& path, const std::string& inside) {
  if (!inside.empty()) {
    try {
      return nlohmann::json::parse(inside);
    } catch (const nlohmann::json::exception&) {
      fail(path, ": its genreg.json is not valid JSON");
    }
  }
  for (const auto& candidate : {path + ".json", fs::path(path).replace_extension(".json").string()}) {
    if (!fs::exists(candidate)) continue;
    std::ifstream in(candidate);
    try {
      return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception&) {
      fail(candidate, " is not valid JSON");
    }
  }
  fail(path,
       " is TorchScript without a genreg.json (inside it, torch.jit.save(m, path, "
       "_extra_files={\"genreg.json\": ...}), "
       "or beside it as ",
       path, ".json) naming its role and image_size");
}

}  // namespace

std::string role_identifier(ModelRole role) {
  auto name = to_string(role);
  std::replace(name.begin(), name.end(), ' ', '_');
  return name;
}

ModelRole parse_role_name(const std::string& name) {
  for (auto role : {ModelRole::generator, ModelRole::denoiser, ModelRole::noise_predictor,
                    ModelRole::conditional_generator})
    if (to_string(role) == name || role_identifier(role) == name) return role;
  fail("unknown model role '", name, "' (generator, denoiser, noise_predictor, conditional_generator)");
}

bool is_torchscript_file(const std::string& path) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    return reader.hasRecord("constants.pkl");
  } catch (const std::exception&) {
    return false;
  }
}

ModelPtr load_torchscript_model(const std::string& path, torch::Device device) {
  torch::jit::ExtraFilesMap extra{{"genreg.json", ""}};
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU, extra);
  } catch (const c10::Error& e) {
    fail(path, " is not a TorchScript file LibTorch can load: ", first_line(e.what_without_backtrace()));
  }
  const auto meta = read_meta(path, extra["genreg.json"]);
  require(meta.is_object() && meta.contains("role") && meta["role"].is_string(), path,
          ": genreg.json needs \"role\" (generator, denoiser or noise_predictor)");
  ModelRole role;
  try {
    role = parse_role_name(meta["role"].get<std::string>());
  } catch (const Error& e) {
    fail(path, ": genreg.json: ", e.what());
  }
  require(meta.contains("image_size") && meta["image_size"].is_array() && meta["image_size"].size() == 2 &&
              meta["image_size"][0].is_number_integer() && meta["image_size"][1].is_number_integer() &&
              meta["image_size"][0].get<int64_t>() > 0 && meta["image_size"][1].get<int64_t>() > 0,
          path, ": genreg.json needs \"image_size\": [H, W]");
  require(role != ModelRole::generator ||
              (meta.contains("latent_dim") && meta["latent_dim"].is_number_integer() &&
               meta["latent_dim"].get<int64_t>() > 0),
          path, ": a generator's genreg.json needs \"latent_dim\"");
  require(module.find_method("forward").has_value(), path, " has no forward method");
  std::shared_ptr<ScriptedModel> model;
  switch (role) {
    case ModelRole::generator:
      model = std::make_shared<ScriptedGenerator>(module, meta, role, path);
      break;
    case ModelRole::denoiser:
      model = std::make_shared<ScriptedDenoiser>(module, meta, role, path);
      break;
    case ModelRole::conditional_generator:
      model = std::make_shared<ScriptedConditional>(module, meta, role, path);
      break;
    default:
      model = std::make_shared<ScriptedNoisePredictor>(module, meta, role, path);
      break;
  }
  model->move_to(device);
  model->eval();
  model->set_trainable(false);
  // One image through forward: a wrong signature or shape is reported here, not deep in a solver.
  const auto h = meta["image_size"][0].get<int64_t>(), w = meta["image_size"][1].get<int64_t>();
  torch::NoGradGuard no_grad;
  const auto opts = torch::TensorOptions().device(device);
  torch::Tensor out;
  if (auto* g = dynamic_cast<Generator*>(model.get()))
    out = g->decode(torch::zeros({1, g->latent_dim()}, opts));
  else if (auto* d = dynamic_cast<Denoiser*>(model.get()))
    out = d->denoise(torch::zeros({1, 1, h, w}, opts), torch::full({1}, 0.1, opts));
  else if (auto* n = dynamic_cast<NoisePredictor*>(model.get()))
    out = n->predict_noise(torch::zeros({1, 1, h, w}, opts), torch::zeros({1}, opts.dtype(torch::kLong)));
  else if (auto* c = dynamic_cast<ConditionalGenerator*>(model.get())) {
    auto shape = c->latent_shape();
    shape.insert(shape.begin(), 1);
    out = c->generate(c->latent_shape().empty() ? torch::Tensor() : torch::zeros(shape, opts),
                      torch::zeros({1, 1, h, w}, opts));
  }
  require(out.sizes() == c10::IntArrayRef({1, 1, h, w}), path, ": forward on one image returned shape ",
          out.sizes(), ", expected [1, 1, ", h, ", ", w, "] (genreg.json's image_size)");
  return model;
}

void export_torchscript(Model& model, const std::string& path) {
  require(model.role() != ModelRole::conditional_generator ||
              model.describe().value("condition", std::string("backprojection")) == "backprojection",
          "a conditional model on the Wiener condition has no TorchScript export (it needs genreg's training "
          "statistics); models on A^T y export");
  require(model.kind_name() != "torchscript", "the model is TorchScript already");
  const auto device = model.device();
  model.move_to(torch::kCPU);
  model.eval();
  model.set_trainable(false);
  const auto size = model.image_size();
  const int64_t h = size[0], w = size[1];
  nlohmann::json meta = {
      {"role", role_identifier(model.role())}, {"image_size", size}, {"genreg_kind", model.kind_name()}};
  torch::jit::Stack example;
  std::function<torch::Tensor(const torch::jit::Stack&)> map;
  std::string signature, loop;
  if (auto* g = dynamic_cast<Generator*>(&model)) {
    meta["latent_dim"] = g->latent_dim();
    example = {torch::randn({1, g->latent_dim()})};
    map = [g](const torch::jit::Stack& in) { return g->decode(in[0].toTensor()); };
    signature = "z: Tensor";
    loop = "self.one(z[i:i+1])";
  } else if (auto* d = dynamic_cast<Denoiser*>(&model)) {
    meta["noise_range"] = d->noise_range();
    example = {torch::rand({1, 1, h, w}), torch::full({1}, 0.1)};
    map = [d](const torch::jit::Stack& in) { return d->denoise(in[0].toTensor(), in[1].toTensor()); };
    signature = "x: Tensor, sigma: Tensor";
    loop = "self.one(x[i:i+1], sigma[i:i+1])";
  } else if (auto* n = dynamic_cast<NoisePredictor*>(&model)) {
    const auto a = n->alphas_cumprod().contiguous();
    meta["alphas_cumprod"] = std::vector<double>(a.data_ptr<double>(), a.data_ptr<double>() + a.numel());
    example = {torch::randn({1, 1, h, w}), torch::full({1}, 10, torch::kLong)};
    map = [n](const torch::jit::Stack& in) { return n->predict_noise(in[0].toTensor(), in[1].toTensor()); };
    signature = "x_t: Tensor, t: Tensor";
    loop = "self.one(x_t[i:i+1], t[i:i+1])";
  } else if (auto* c = dynamic_cast<ConditionalGenerator*>(&model)) {
    const auto latent = c->latent_shape();
    meta["latent_shape"] = latent;
    meta["operator"] = c->operator_spec();
    meta["noise"] = c->noise();
    auto shape = latent;
    shape.insert(shape.begin(), 1);
    if (latent.empty()) {
      example = {torch::randn({1, 1, h, w})};
      map = [c](const torch::jit::Stack& in) { return c->generate(torch::Tensor(), in[0].toTensor()); };
      signature = "c: Tensor";
      loop = "self.one(c[i:i+1])";
    } else {
      example = {torch::randn(shape), torch::randn({1, 1, h, w})};
      map = [c](const torch::jit::Stack& in) { return c->generate(in[0].toTensor(), in[1].toTensor()); };
      signature = "z: Tensor, c: Tensor";
      loop = "self.one(z[i:i+1], c[i:i+1])";
    }
  } else {
    fail("a ", model.kind_name(), " model has no role map to export");
  }
  // LibTorch's tracer records sizes read in C++ as constants, so the traced graph is valid for one
  // batch size only: it is traced for one image (method `one`), and a scripted forward loops over
  // the batch. Each sample is processed alone by every role's contract, so the result is the same.
  torch::jit::Module exported("__torch__.genreg.ExportedModel");
  torch::jit::Stack outputs;
  std::shared_ptr<torch::jit::tracer::TracingState> state;
  try {
    torch::NoGradGuard no_grad;
    std::tie(state, outputs) = torch::jit::tracer::trace(
        example, [&](torch::jit::Stack in) -> torch::jit::Stack { return {map(in)}; },
        [](const torch::autograd::Variable&) { return std::string(); }, /*strict=*/false,
        /*force_outplace=*/false, &exported);
  } catch (const c10::Error& e) {
    fail("tracing the ", model.kind_name(), " model failed: ", first_line(e.what_without_backtrace()));
  }
  auto* one = exported._ivalue()->compilation_unit()->create_function(
      c10::QualifiedName(*exported.type()->name(), "one"), state->graph);
  exported.type()->addMethod(one);
  std::string first = signature.substr(0, signature.find(':'));
  exported.define("def forward(self, " + signature + "):\n" + "    outs: List[Tensor] = []\n" +
                  "    for i in range(" + first + ".size(0)):\n" + "        outs.append(" + loop + ")\n" +
                  "    return torch.cat(outs, 0)\n");
  std::ostringstream bytes;
  exported.save(bytes, {{"genreg.json", meta.dump()}});
  write_file_atomically(path, bytes.str());
  model.move_to(device);
}

}  // namespace genreg
