#pragma once
// Builds a forward operator from its spec string for images of a given size (PROTOCOL.md):
//   denoise                                  identity
//   blur:gauss5                              5x5 Gaussian, sigma 1 (also blur:gauss,size=7,sigma=1.5)
//   blur:motion[,length=9,angle=20]          linear motion blur
//   blur:file=KERNEL.npy                     any odd-sided kernel
//   cs:M[,seed=S]                            Gaussian matrix with M rows
//   tomo[:angles=N,range=A:B,detectors=D]    parallel-beam ray transform (range in degrees)
//   inpaint:P[,seed=S]                       keep each pixel with probability P
//   mri:ACC[,seed=S,center=F]                Cartesian k-space lines, acceleration ACC
// Every operator is normalised to ||A||_2 = 1. The spec() of the result parses back to the same
// operator.
#include <string>
#include <vector>

#include "genreg/operators/linear_operator.h"

namespace genreg {

OperatorPtr make_operator(const std::string& spec, int64_t height, int64_t width);

// The operator names with a one-line description each, for help texts.
std::vector<std::pair<std::string, std::string>> operator_help();

}  // namespace genreg
