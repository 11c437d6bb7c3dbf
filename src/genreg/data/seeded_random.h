#pragma once
// SplitMix64 (Steele et al. 2014): turns (seed, index) into a well-mixed 64-bit state, and serves
// as the per-image generator of the generated datasets, so that image i of a split is drawn without
// drawing the images before it. Written out so that the images are the same with every compiler
// and standard library (std:: distributions are implementation-defined).
#include <cmath>
#include <cstdint>

namespace genreg {

struct SplitMix64 {
  uint64_t state;
  // The generator of image `index` of the set drawn from `seed`.
  static SplitMix64 for_image(uint64_t seed, int64_t index) {
    SplitMix64 mix{seed * 0xD1B54A32D192ED03ull + static_cast<uint64_t>(index)};
    return SplitMix64{mix.next()};
  }
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform integer in [lo, hi]; the modulo bias is below 2^-58 for these ranges.
  int64_t integer(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  // Uniform real in [0, 1) with 53 random bits; in [lo, hi).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Exponential with the given mean (inversion).
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }
  // Poisson with mean lambda (Knuth's product of uniforms; lambda up to a few hundred).
  int64_t poisson(double lambda) {
    const double limit = std::exp(-lambda);
    int64_t k = 0;
    for (double p = uniform(); p > limit; p *= uniform()) ++k;
    return k;
  }
};

}  // namespace genreg
