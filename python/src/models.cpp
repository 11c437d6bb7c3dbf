// genreg.Model's native half: any checkpoint genreg loads (models/checkpoint.h), seen through its
// role's interface (generator, denoiser, noise predictor, conditional generator), with its weights
// as torch tensors that share memory with the network, so that Python can fine-tune them in place
// and save them back as a genreg checkpoint.
#include <algorithm>

#include "bindings.h"
#include "genreg/core/error.h"
#include "genreg/core/runtime.h"
#include "genreg/models/checkpoint.h"
#include "genreg/models/conditional_generator.h"
#include "genreg/models/denoiser.h"
#include "genreg/models/diffusion_sampling.h"
#include "genreg/models/generator.h"
#include "genreg/models/noise_predictor.h"
#include "genreg/models/torchscript_model.h"

namespace genreg::python {
namespace {

template <typename Role>
Role& as_role(const ModelHandle& h, const char* role, const char* call) {
  auto* r = dynamic_cast<Role*>(h.model.get());
  require(r != nullptr, call, " needs ", role, ", and this model is a ", h.model->kind_name(), " (",
          to_string(h.model->role()), ")");
  return *r;
}

}  // namespace

void bind_models(py::module_& m) {
  py::class_<ModelHandle>(m, "NativeModel")
      .def_property_readonly("kind", [](const ModelHandle& h) { return h.model->kind_name(); })
      .def_property_readonly("role", [](const ModelHandle& h) { return role_identifier(h.model->role()); })
      .def_property_readonly("source", [](const ModelHandle& h) { return h.source; })
      .def_property_readonly("image_size", [](const ModelHandle& h) { return h.model->image_size(); })
      .def_property_readonly("device", [](const ModelHandle& h) { return h.model->device().str(); })
      .def("describe", [](const ModelHandle& h) { return to_python(h.model->describe()); })
      .def(
          "to", [](ModelHandle& h, const std::string& device) { h.model->move_to(parse_device(device)); },
          py::arg("device"))
      .def(
          "set_trainable",
          [](ModelHandle& h, bool trainable) {
            h.model->set_trainable(trainable);
            h.model->train(trainable);
          },
          py::arg("trainable"))
      .def("parameters", [](const ModelHandle& h) { return h.model->parameters(); })
      .def("state_dict", [](const ModelHandle& h) { return model_state(*h.model); })
      .def(
          "load_state_dict",
          [](ModelHandle& h, const std::map<std::string, torch::Tensor>& state) {
            load_model_state(*h.model, state, "the state dict");
          },
          py::arg("state"), py::call_guard<py::gil_scoped_release>())
      .def(
          "save", [](ModelHandle& h, const std::string& path) { save_checkpoint(path, *h.model); },
          py::arg("path"), py::call_guard<py::gil_scoped_release>())
      // Generator role (z -> x).
      .def_property_readonly("latent_dim",
                             [](const ModelHandle& h) {
                               return as_role<Generator>(h, "a generator", "latent_dim").latent_dim();
                             })
      .def(
          "decode",
          [](const ModelHandle& h, const torch::Tensor& z) {
            return as_role<Generator>(h, "a generator", "decode").decode(z);
          },
          py::arg("z"), py::call_guard<py::gil_scoped_release>())
      .def(
          "encode",
          [](const ModelHandle& h, const torch::Tensor& x) {
            return as_role<Generator>(h, "a generator", "encode").encode(x);
          },
          py::arg("x"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("has_encoder",
                             [](const ModelHandle& h) {
                               auto* g = dynamic_cast<Generator*>(h.model.get());
                               return g != nullptr && g->has_encoder();
                             })
      // Denoiser role ((x, sigma) -> x).
      .def(
          "denoise",
          [](const ModelHandle& h, const torch::Tensor& x, const torch::Tensor& sigma) {
            return as_role<Denoiser>(h, "a denoiser", "denoise").denoise(x, sigma);
          },
          py::arg("x"), py::arg("sigma"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("noise_range",
                             [](const ModelHandle& h) {
                               return as_role<Denoiser>(h, "a denoiser", "noise_range").noise_range();
                             })
      // Noise-predictor role ((x_t, t) -> eps), on [-1, 1] images (models/noise_predictor.h).
      .def(
          "predict_noise",
          [](const ModelHandle& h, const torch::Tensor& x_t, const torch::Tensor& t) {
            return as_role<NoisePredictor>(h, "a noise predictor", "predict_noise").predict_noise(x_t, t);
          },
          py::arg("x_t"), py::arg("t"), py::call_guard<py::gil_scoped_release>())
      .def("alphas_cumprod",
           [](const ModelHandle& h) {
             return as_role<NoisePredictor>(h, "a noise predictor", "alphas_cumprod").alphas_cumprod();
           })
      .def(
          "sample_prior",
          [](const ModelHandle& h, int64_t count, int64_t steps, double eta, uint64_t seed, int64_t batch) {
            require(count > 0, "count must be positive, got ", count);
            require(steps > 0, "steps must be positive, got ", steps);
            require(eta >= 0 && eta <= 1, "eta must lie in [0, 1], got ", eta);
            auto& model = as_role<NoisePredictor>(h, "a diffusion model", "sample_prior");
            const auto size = h.model->image_size();
            return sample_prior(model, count, size[0], size[1], h.model->device(),
                                PriorSamplingOptions().steps(steps).eta(eta).seed(seed).batch(batch));
          },
          py::arg("count"), py::arg("steps"), py::arg("eta"), py::arg("seed"), py::arg("batch"),
          py::call_guard<py::gil_scoped_release>())
      // Conditional role ((z, condition) -> x).
      .def(
          "condition",
          [](const ModelHandle& h, const OperatorHandle& op, const torch::Tensor& y, double sigma) {
            return as_role<ConditionalGenerator>(h, "a conditional model", "condition")
                .condition(op.op, y, sigma);
          },
          py::arg("op"), py::arg("y"), py::arg("sigma"), py::call_guard<py::gil_scoped_release>())
      .def(
          "generate",
          [](const ModelHandle& h, const std::optional<torch::Tensor>& z, const torch::Tensor& condition,
             int64_t steps) {
            auto& model = as_role<ConditionalGenerator>(h, "a conditional model", "generate");
            return model.generate(z ? *z : torch::Tensor(), condition, GenerationOptions().steps(steps));
          },
          py::arg("z").none(true), py::arg("condition"), py::arg("steps"),
          py::call_guard<py::gil_scoped_release>())
      .def_property_readonly(
          "latent_shape",
          [](const ModelHandle& h) {
            return as_role<ConditionalGenerator>(h, "a conditional model", "latent_shape").latent_shape();
          })
      .def(
          "sample_conditional",
          [](const ModelHandle& h, const torch::Tensor& conditions, int64_t samples, int64_t steps,
             uint64_t seed) {
            require(samples > 0, "samples must be positive, got ", samples);
            auto& model = as_role<ConditionalGenerator>(h, "a conditional model", "sample_conditional");
            return sample_conditional(model, conditions, samples, GenerationOptions().steps(steps), seed);
          },
          py::arg("conditions"), py::arg("samples"), py::arg("steps"), py::arg("seed"),
          py::call_guard<py::gil_scoped_release>());

  m.def(
      "load_model",
      [](const std::string& path, const std::string& device, const std::string& role) {
        const torch::Device d = parse_device(device);
        auto model = role.empty() ? load_model(path, d) : load_model(path, parse_role_name(role), d);
        return ModelHandle{model, path};
      },
      py::arg("path"), py::arg("device") = "cpu", py::arg("role") = "",
      py::call_guard<py::gil_scoped_release>());
}

}  // namespace genreg::python
