#include "genreg/io/tensor_file.h"

#include <torch/csrc/jit/serialization/pickle.h>

#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/npy.h"
#include "genreg/io/png.h"
#include "genreg/io/python_pickle.h"

namespace genreg {
namespace {

std::string extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace

void save_pickle(const std::string& path, const c10::IValue& value) {
  write_file_atomically(path, torch::jit::pickle_save(value));
}

c10::IValue load_pickle(const std::string& path) {
  const auto bytes = read_file(path);
  try {
    return torch::jit::pickle_load(bytes);
  } catch (const std::exception&) {
  }
  // Written by Python's torch.save (io/python_pickle.h).
  try {
    return torch::jit::pickle_load(rewrite_python_archive(bytes));
  } catch (const std::exception&) {
    fail(path, " is not a torch .pt file genreg can read");
  }
}

void save_tensor(const std::string& path, const torch::Tensor& tensor) {
  const auto ext = extension(path);
  if (ext == ".npy") return write_npy(path, tensor);
  if (ext == ".pt") return save_pickle(path, tensor.detach().to(torch::kCPU).contiguous());
  if (ext == ".png") return write_png(path, tensor.dim() == 4 ? tensor[0] : tensor);
  fail("cannot save a tensor as '", path, "' (use .pt, .npy or .png)");
}

torch::Tensor load_tensor(const std::string& path) {
  require_input_file(path);
  const auto ext = extension(path);
  if (ext == ".npy") return read_npy(path);
  if (ext == ".png") return read_png(path);
  if (ext == ".pt") {
    const auto value = load_pickle(path);
    require(value.isTensor(), path, " holds a ", value.tagKind(), ", not a tensor");
    return value.toTensor();
  }
  fail("cannot load '", path, "' (use .pt, .npy or .png)");
}

}  // namespace genreg
