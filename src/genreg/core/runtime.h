#pragma once
// Process-wide compute settings: thread count and device. LibTorch starts with one intra-op thread
// on these machines (../shared/FINDINGS.md), so genreg sets the count explicitly.
#include <torch/torch.h>

#include <string>

namespace genreg {

// Sets LibTorch's intra-op thread count; threads <= 0 means $OMP_NUM_THREADS when set, else every
// hardware thread.
// Returns the count in force afterwards.
int configure_threads(int threads);

// Sets the thread count of the BLAS library under LibTorch where it can be set at run time
// (OpenBLAS: openblas_set_num_threads); returns false when the library offers no such call.
// Trade-off measured on 2 cores (BENCHMARKS.md): large matrix products (training) run twice as fast
// with 2 BLAS threads, while iterative solvers on small matrices run 2.5x faster with 1, because
// idle BLAS threads spin and take the cores from LibTorch's own threads.
bool set_blas_threads(int threads);

// Parses "cpu", "cuda" or "cuda:N"; an unavailable CUDA device is an error, not a silent fallback.
torch::Device parse_device(const std::string& name);

}  // namespace genreg
