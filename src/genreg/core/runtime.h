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
// The BLAS library's thread count where it can be read (OpenBLAS: openblas_get_num_threads), else 0.
int blas_threads();

// Denormal floats flushed to zero (the CPU's FTZ and DAZ modes). Measured (BENCHMARKS.md): a
// shapes VAE trained for a few epochs carries denormal activations and gradients, and resuming its
// training ran at 22 images/s against 85 for a fresh model (1 thread: 12 against 58), the
// microcode assist that every denormal operation costs. Values below 1.2e-38 become 0, far below
// anything an image or a weight resolves.
//
// The mode is a per-thread register that new threads copy from their creator, and LibTorch's
// OpenMP pool and OpenBLAS's threads start while the shared libraries load, before main(). So the
// program sets it first of all: denormals_to_zero_at_load() runs from the executable's
// .preinit_array (cli/main.cpp), ahead of every library constructor. It touches only the CPU
// register (no LibTorch), and is a no-op where the architecture has no such mode.
void denormals_to_zero_at_load();
// The same for the calling thread through LibTorch (at::globalContext().setFlushDenormal); threads
// that already exist keep their mode. Returns false where the CPU has no such mode.
bool flush_denormals();

// Freed tensor memory kept for the next allocation instead of returned to the system. An iterative
// solver allocates and frees the same few-MiB tensors every iteration; glibc serves blocks above
// its mmap threshold (128 KiB at first) with fresh mappings whose pages the kernel zeroes again on
// every touch: a sweep of latent solves spent 112 of its 372 CPU seconds in the kernel
// (BENCHMARKS.md, "Freed memory kept"). Raises the mmap threshold to 32 MiB, the heap's trim
// threshold to 256 MiB and its top padding to 64 MiB.
// Called at load with the denormal mode (cli/main.cpp); returns false where the C library offers
// no such settings.
bool keep_freed_memory();

// The process-wide tunings for a program that links libgenreg (a Python module, a test, a host
// application): freed memory kept, denormals flushed to zero in the calling thread and in every
// thread of LibTorch's intra-op pool, and `threads` intra-op threads (configure_threads). The
// executable also does this from its .preinit_array, earlier than any host program can; threads
// that OpenBLAS started before this call keep their mode. Idempotent; returns the thread count.
int init_runtime(int threads = 0);

// Parses "cpu", "cuda" or "cuda:N"; an unavailable CUDA device is an error, not a silent fallback.
torch::Device parse_device(const std::string& name);

// Rows of `pixels` pixels each that one network pass takes when the caller names no batch (posterior
// and prior sampling, conditional sampling, test evaluation). On a CPU 50,176 pixels (64 images of
// 28x28, 16 of 56x56): larger tensors gain nothing there and their activations cross glibc's mmap
// ceiling (BENCHMARKS.md, "Batches and glibc's mmap ceiling"). On a GPU kernel launches dominate small
// batches (dps on an H200 in rows of 64 took 3.5x PyTorch's time for one batch of 400: BENCHMARKS.md,
// "GPU"), so 2^24 pixels (21,400 mnist images).
int64_t default_batch_rows(int64_t pixels, torch::Device device);

// Images per training pass (micro-batch) for a network whose widest activation takes
// `bytes_per_image`: 24 MiB of it on a CPU (glibc's mmap ceiling, as above), 4 GiB on a GPU.
int64_t micro_batch_rows(int64_t bytes_per_image, torch::Device device);

}  // namespace genreg
