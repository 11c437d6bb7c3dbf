#pragma once
// CT attenuation units (PROTOCOL.md, "Medical imaging", LoDoPaB's): images hold mu / mu_max in
// [0, 1] with mu_max = 81.35858 m^-1 (3071 HU); HU = 1000 (mu - mu_water) / (mu_water - mu_air).
namespace genreg {

constexpr double kMuMax = 81.35858;  // m^-1
constexpr double kMuWater = 20.0;    // m^-1
constexpr double kMuAir = 0.02;      // m^-1

// Hounsfield units -> mu / mu_max (not clipped) and back.
constexpr double hu_to_unit(double hu) { return (kMuWater + hu * (kMuWater - kMuAir) / 1000.0) / kMuMax; }
constexpr double unit_to_hu(double x) { return 1000.0 * (x * kMuMax - kMuWater) / (kMuWater - kMuAir); }

}  // namespace genreg
