// PYBIND11_MODULE for genreg._genreg: the error type, the runtime and version, and the parts
// (bindings.h). The package's __init__.py imports torch first, so that torch's types are
// registered before these bindings use them.
#include <c10/util/Exception.h>

#include "bindings.h"
#include "genreg/core/error.h"
#include "genreg/core/flop_counter.h"
#include "genreg/core/provenance.h"
#include "genreg/core/runtime.h"
#include "genreg/core/source_dir.h"

namespace genreg::python {

py::object to_python(const nlohmann::json& value) {
  return py::module_::import("json").attr("loads")(value.dump());
}

nlohmann::json to_json(const py::handle& value) {
  return nlohmann::json::parse(py::module_::import("json").attr("dumps")(value).cast<std::string>());
}

}  // namespace genreg::python

PYBIND11_MODULE(_genreg, m) {
  namespace py = pybind11;
  using namespace genreg::python;
  m.doc() = "genreg's native library: operators, reconstruction methods, models, data and metrics";
  static py::exception<genreg::Error> error(m, "Error", PyExc_ValueError);
  // genreg::Error carries a one-line message for the user; LibTorch's errors lose their C++ stack
  // trace, which says nothing to a Python user.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const genreg::Error& e) {
      // PyErr_SetString on the exception type: pybind11 3 deprecates calling the exception object.
      PyErr_SetString(error.ptr(), e.what());
    } catch (const c10::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what_without_backtrace());
    }
  });
  m.attr("__version__") = GENREG_VERSION;
  m.def("init_runtime", &genreg::init_runtime, py::arg("threads") = 0,
        "Process-wide tunings (freed memory kept, denormals flushed, intra-op threads; 0: $OMP_NUM_THREADS "
        "or every core). Returns the thread count.");
  m.def(
      "provenance",
      [](const std::vector<std::string>& argv) {
        genreg::set_invocation(argv);
        return genreg::provenance().dump();
      },
      py::arg("argv"),
      "The provenance of a results file as JSON (command line, commit, date, machine: core/provenance.h)");
  py::class_<genreg::FlopCounter>(
      m, "FlopCounter", "Counts convolution and matrix-product FLOPs while alive (core/flop_counter.h)")
      .def(py::init<>())
      .def_property_readonly("flops", &genreg::FlopCounter::flops);
  bind_operators(m);
  bind_models(m);
  bind_reconstruction(m);
  bind_data(m);
  bind_commands(m);
}
