#pragma once
// NumPy .npy files (format versions 1.0-3.0;
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html) so that arrays move between genreg
// and Python without torch on the Python side.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace genreg {

// Serialises a tensor (float32, float64, uint8, int32, int64 or bool; any shape) as .npy bytes.
std::vector<char> npy_encode(const torch::Tensor& tensor);
// Parses .npy bytes (little-endian or byte-order-free dtypes of the kinds above, C or Fortran
// order). `what` names the source in error messages.
torch::Tensor npy_decode(const std::vector<char>& bytes, const std::string& what = "npy data");

void write_npy(const std::string& path, const torch::Tensor& tensor);
torch::Tensor read_npy(const std::string& path);

}  // namespace genreg
