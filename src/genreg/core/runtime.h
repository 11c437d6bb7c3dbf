#pragma once
// Process-wide compute settings: thread count and device. LibTorch starts with one intra-op thread
// on these machines (../shared/FINDINGS.md), so genreg sets the count explicitly.
#include <torch/torch.h>

#include <string>

namespace genreg {

// Sets LibTorch's intra-op thread count; threads <= 0 means every hardware thread.
// Returns the count in force afterwards.
int configure_threads(int threads);

// Parses "cpu", "cuda" or "cuda:N"; an unavailable CUDA device is an error, not a silent fallback.
torch::Device parse_device(const std::string& name);

}  // namespace genreg
