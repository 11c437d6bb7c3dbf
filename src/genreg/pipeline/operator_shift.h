#pragma once
// The operator-shift study (PROTOCOL.md, "operator-shift"; the course notes' conditional-model
// trade-off): conditional models (cfm, postprocess) trained for one acquisition against
// unconditional priors (a VAE with the hard constraint, PnP with a DRUNet, a diffusion sampler, TV),
// measured on the training acquisition and on shifted ones (other noise levels, half the
// tomography angles, a compressed-sensing matrix of another seed).
//
// Every method is tuned once, on the validation images of the training acquisition (the base
// experiment, table1a or table1b, run with its grids), and then kept: the unconditional methods
// adapt through their data term, which knows the shifted A and sigma; the conditional models see
// the shifted back-projection A^T y with --allow-operator-shift. Each acquisition is a run of the
// base experiment (OUT/PART/ACQUISITION/, with its own report and kept results); the summary is a
// table of psnr by method and acquisition and a figure of psnr against the shift.
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "genreg/pipeline/experiment_runner.h"

namespace genreg {

struct ShiftedAcquisition {
  std::string name;  // names its folder: "training", "sigma0.05", ...
  std::string label;
  std::string operator_spec;
  double sigma = 0.1;
};

struct OperatorShiftPart {
  std::string name;                              // "mnist", "shapes"
  std::string base;                              // the experiment whose models and grids it uses
  std::vector<std::string> methods;              // ExperimentMethod keys of the base experiment
  std::vector<ShiftedAcquisition> acquisitions;  // the first is the training acquisition
};

// The parts of a study document (experiments/operator-shift.json: "parts", each with its base
// experiment, method keys and acquisitions, the first the training one). Throws genreg::Error naming
// `source` for a part without acquisitions, an unknown base or a method the base does not have.
std::vector<OperatorShiftPart> parse_operator_shift(const nlohmann::json& document,
                                                    const std::string& source);
// The built-in study, experiments/operator-shift.json.
std::vector<OperatorShiftPart> operator_shift_parts();

// Runs the parts of `study` named in `parts` (empty: all). `a.generators`, when given, holds one
// models folder per part named for it (docs/models: mnist/, shapes/); else each part trains its
// models. `a.only` restricts the methods. Returns the document written to OUT/results.json.
nlohmann::json run_operator_shift(const std::vector<OperatorShiftPart>& study, const ExperimentArgs& a,
                                  const std::vector<std::string>& parts, std::ostream& os);

}  // namespace genreg
