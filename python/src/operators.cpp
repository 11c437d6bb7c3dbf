// genreg.Operator's native half: the operators of make_operator (PROTOCOL.md's specs) with apply,
// adjoint and norm on batches of torch tensors. The Python class (genreg/operators.py) wraps them
// in a torch.autograd.Function whose backward is the other map, so that gradients are the exact
// adjoint's.
#include "bindings.h"
#include "genreg/core/error.h"
#include "genreg/operators/ct_ray_transform.h"
#include "genreg/operators/filtered_back_projection.h"
#include "genreg/operators/make_operator.h"

namespace genreg::python {

void bind_operators(py::module_& m) {
  py::class_<OperatorHandle>(m, "NativeOperator")
      .def(py::init([](const std::string& spec, int64_t height, int64_t width) {
             return OperatorHandle{make_operator(spec, height, width)};
           }),
           py::arg("spec"), py::arg("height"), py::arg("width"))
      .def(
          "apply", [](const OperatorHandle& h, const torch::Tensor& x) { return h.op->apply(x); },
          py::arg("x"), py::call_guard<py::gil_scoped_release>())
      .def(
          "adjoint", [](const OperatorHandle& h, const torch::Tensor& y) { return h.op->adjoint(y); },
          py::arg("y"), py::call_guard<py::gil_scoped_release>())
      .def(
          "norm", [](const OperatorHandle& h) { return h.op->norm(); },
          py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("spec", [](const OperatorHandle& h) { return h.op->spec(); })
      .def_property_readonly("domain_shape", [](const OperatorHandle& h) { return h.op->domain_shape(); })
      .def_property_readonly("range_shape", [](const OperatorHandle& h) { return h.op->range_shape(); })
      .def_property_readonly("range_size", [](const OperatorHandle& h) { return h.op->range_size(); });
  m.def("operator_help", &operator_help, "The operator names with a one-line description each");
  m.def(
      "fbp_native",
      [](const torch::Tensor& y, const OperatorHandle& h, const std::string& filter, double cutoff,
         const std::string& back_projector) {
        const auto ct = std::dynamic_pointer_cast<const CtRayTransform>(h.op);
        require(ct != nullptr, "fbp reconstructs CT data (operators ct:parallel and ct:fan), not '",
                h.op->spec(), "'");
        return FilteredBackProjection(ct, FbpOptions()
                                              .filter(parse_fbp_filter(filter))
                                              .cutoff(cutoff)
                                              .back_projector(parse_fbp_back_projector(back_projector)))
            .reconstruct(y);
      },
      py::arg("y"), py::arg("op"), py::arg("filter"), py::arg("cutoff"), py::arg("back_projector"),
      py::call_guard<py::gil_scoped_release>());
}

}  // namespace genreg::python
