#pragma once
// The compiled part of the Python module `genreg` (genreg._genreg): one file per part of the
// library it exposes. Tensors cross as torch.Tensor without copies (torch/extension.h's casters),
// genreg::Error becomes genreg.Error (a ValueError) with the library's one-line message, and long
// calls release the GIL.
#include <torch/extension.h>

#include <nlohmann/json.hpp>
#include <string>

#include "genreg/core/runtime.h"
#include "genreg/models/model.h"
#include "genreg/operators/linear_operator.h"

namespace genreg::python {

namespace py = pybind11;

// A forward operator held by Python (the library's operators are immutable and shared).
struct OperatorHandle {
  OperatorPtr op;
};

// A model held by Python, with the file it came from ("" when built in Python).
struct ModelHandle {
  ModelPtr model;
  std::string source;
};

// The BLAS thread count the program would use for a call (1 for iterative reconstruction: idle
// OpenBLAS threads spin and take the cores from LibTorch's, BENCHMARKS.md "Classical solvers and BLAS
// threads"), restored afterwards so that the caller's own PyTorch code keeps its setting.
class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int threads) : previous_(blas_threads()) {
    if (threads > 0) set_blas_threads(threads);
  }
  ~ScopedBlasThreads() {
    if (previous_ > 0) set_blas_threads(previous_);
  }
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  int previous_;
};

// nlohmann::json -> the Python object json.loads gives, and back.
py::object to_python(const nlohmann::json& value);
nlohmann::json to_json(const py::handle& value);

void bind_operators(py::module_& m);
void bind_models(py::module_& m);
void bind_reconstruction(py::module_& m);
void bind_data(py::module_& m);
void bind_commands(py::module_& m);

}  // namespace genreg::python
