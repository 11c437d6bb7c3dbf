#include "genreg/core/runtime.h"

#include <thread>

#include "genreg/core/error.h"

namespace genreg {

int configure_threads(int threads) {
  if (threads <= 0) {
    threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
  }
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    require(torch::cuda::is_available(), "device '", name,
            "' requested but this LibTorch has no usable CUDA device");
    int index = 0;
    if (name.size() > 4) {
      require(name[4] == ':' && name.size() > 5, "bad device '", name, "' (use cpu, cuda or cuda:N)");
      try {
        index = std::stoi(name.substr(5));
      } catch (const std::exception&) {
        fail("bad device '", name, "' (use cpu, cuda or cuda:N)");
      }
      require(index >= 0 && index < static_cast<int>(torch::cuda::device_count()), "device '", name,
              "' does not exist (", torch::cuda::device_count(), " CUDA devices)");
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  fail("unknown device '", name, "' (use cpu, cuda or cuda:N)");
}

}  // namespace genreg
