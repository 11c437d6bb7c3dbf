#pragma once
// Tensors on disk, chosen by file extension:
//   .pt   torch pickle format (torch::jit::pickle_save), which Python reads with torch.load
//   .npy  NumPy array
//   .png  (images only) 8-bit grey
#include <torch/torch.h>

#include <string>

namespace genreg {

void save_tensor(const std::string& path, const torch::Tensor& tensor);
torch::Tensor load_tensor(const std::string& path);

// A value of the pickle format (tensor, dict of tensors and numbers, ...), written atomically.
void save_pickle(const std::string& path, const c10::IValue& value);
c10::IValue load_pickle(const std::string& path);

}  // namespace genreg
