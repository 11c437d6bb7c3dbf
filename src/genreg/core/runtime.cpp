#include "genreg/core/runtime.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include <cstdlib>
#include <thread>

#include "genreg/core/error.h"

namespace genreg {

int configure_threads(int threads) {
  // Without an explicit count, honour OMP_NUM_THREADS (as OpenMP programs do), so that several
  // processes sharing the cores (ctest -j, a job scheduler) need not oversubscribe them.
  if (threads <= 0) {
    if (const char* env = std::getenv("OMP_NUM_THREADS"); env && *env) threads = std::atoi(env);
  }
  if (threads <= 0) {
    threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
  }
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

namespace {

// An OpenBLAS function: from the global scope (a program linked against LibTorch), else from the
// BLAS library already loaded privately (a Python process, where extension modules and their
// libraries load with RTLD_LOCAL: Debian's python3-torch reaches OpenBLAS as libblas.so.3).
void* blas_symbol(const char* name) {
  if (void* f = dlsym(RTLD_DEFAULT, name)) return f;
  for (const char* library : {"libblas.so.3", "libopenblas.so.0"}) {
    void* handle = dlopen(library, RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) continue;
    void* f = dlsym(handle, name);
    dlclose(handle);  // only drops the reference RTLD_NOLOAD added
    if (f != nullptr) return f;
  }
  return nullptr;
}

}  // namespace

bool set_blas_threads(int threads) {
  using SetThreads = void (*)(int);
  auto set = reinterpret_cast<SetThreads>(blas_symbol("openblas_set_num_threads"));
  if (set == nullptr || threads <= 0) return false;
  set(threads);
  return true;
}

int blas_threads() {
  using GetThreads = int (*)();
  auto get = reinterpret_cast<GetThreads>(blas_symbol("openblas_get_num_threads"));
  return get == nullptr ? 0 : get();
}

void denormals_to_zero_at_load() {
#if defined(__SSE__) || defined(__x86_64__)
  // MXCSR bit 15: flush-to-zero (denormal results become 0); bit 6: denormals-are-zero (denormal
  // inputs read as 0).
  _mm_setcsr(_mm_getcsr() | 0x8040u);
#endif
}

bool keep_freed_memory() {
#if defined(__GLIBC__)
  // Values as large as glibc takes (the mmap threshold's ceiling is 32 MiB on 64-bit).
  const bool threshold = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  const bool trim = mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1;
  const bool pad = mallopt(M_TOP_PAD, 64 << 20) == 1;
  return threshold && trim && pad;
#else
  return false;
#endif
}

bool flush_denormals() { return at::globalContext().setFlushDenormal(true); }

int init_runtime(int threads) {
  keep_freed_memory();
  flush_denormals();
  const int count = configure_threads(threads);
  // The mode is per thread: run one chunk on every thread of the intra-op pool (grain size 1, as
  // many chunks as threads, so that each thread takes one).
  at::parallel_for(0, count, 1, [](int64_t, int64_t) { denormals_to_zero_at_load(); });
  return count;
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

int64_t default_batch_rows(int64_t pixels, torch::Device device) {
  const int64_t budget = device.is_cpu() ? 50176 : (int64_t{1} << 24);
  return std::max<int64_t>(1, budget / std::max<int64_t>(1, pixels));
}

int64_t micro_batch_rows(int64_t bytes_per_image, torch::Device device) {
  const int64_t budget = device.is_cpu() ? (int64_t{24} << 20) : (int64_t{4} << 30);
  return std::max<int64_t>(1, budget / std::max<int64_t>(1, bytes_per_image));
}

}  // namespace genreg
