#pragma once
// Counts the floating-point operations of the dense kernels that dominate a network's time, as
// LibTorch dispatches them: convolutions (forward and backward) and matrix products. The roofline
// table (BENCHMARKS.md "Where the time goes") divides these counts by measured seconds.
//
// Counted, at the dispatcher's operator level (so that a layer is counted once, whichever kernel
// LibTorch picks underneath), multiply and add each one operation:
//   aten::convolution            2 N C_out H_out W_out (C_in / groups) k_h k_w (transposed: the
//                                input's pixels scatter, 2 N C_in H_in W_in (C_out / groups) k_h k_w)
//   aten::convolution_backward   the forward count once for the input's gradient and once for the
//                                weight's, as its output mask asks
//   aten::mm, addmm, bmm, baddbmm  2 m k n per product
// Not counted: element-wise work (activations, normalisation, most data-term operators), which is
// memory-bound and small in FLOPs next to the layers. Operators that are themselves convolutions or
// matrix products (blur, compressed sensing's matrix) count like a layer: well under 1% of a network. Every
// thread's operators are counted (the autograd engine's included) while at least one counter is alive.
#include <cstdint>

namespace genreg {

class FlopCounter {
 public:
  FlopCounter();
  ~FlopCounter();
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;
  // Operations counted since this counter was made.
  int64_t flops() const;

 private:
  int64_t start_;
};

}  // namespace genreg
