// Data, simulation and metrics for Python: the datasets of PROTOCOL.md (data/dataset.h), noisy
// measurements y = A x + e drawn as `genreg simulate` draws them, and the metrics as per-image
// tensors (eval/metrics.h).
#include "bindings.h"
#include "genreg/data/dataset.h"
#include "genreg/data/index_range.h"
#include "genreg/data/medical_slices.h"
#include "genreg/eval/metrics.h"
#include "genreg/operators/noise.h"

namespace genreg::python {

void bind_data(py::module_& m) {
  m.def(
      "load_dataset",
      [](const std::string& name, const std::string& split, const std::string& indices,
         const std::vector<int64_t>& size) {
        py::gil_scoped_release release;
        auto options = DatasetOptions().split(split).image_size(size);
        if (!indices.empty()) options.range(IndexRange::parse(indices));
        auto d = load_dataset(name, options);
        py::gil_scoped_acquire gil;
        py::dict out;
        out["images"] = d.images;
        out["labels"] = d.labels;
        out["indices"] = d.indices;
        if (d.targets.defined()) out["targets"] = d.targets;
        out["name"] = d.name;
        out["split"] = d.split;
        return out;
      },
      py::arg("name"), py::arg("split"), py::arg("indices"), py::arg("size"));
  m.def("dataset_names", &dataset_names);
  // A file's slices in their modality's units (HU for CT), as the `dicom:` / `nifti:` datasets read
  // them before scaling to [0, 1].
  auto slices = [](const std::vector<MedicalSlice>& read) {
    py::list out;
    for (const auto& s : read) {
      py::dict d;
      d["values"] = s.values;
      d["modality"] = s.modality;
      d["path"] = s.path;
      d["pixel_spacing"] = s.pixel_spacing;
      out.append(d);
    }
    return out;
  };
  using SliceReader = std::vector<MedicalSlice> (*)(const std::string&);
  for (const auto& [name, reader] : {std::pair<const char*, SliceReader>{"read_dicom", &read_dicom},
                                     std::pair<const char*, SliceReader>{"read_nifti", &read_nifti}}) {
    m.def(
        name,
        [slices, reader = reader](const std::string& path) {
          std::vector<MedicalSlice> read;
          {
            py::gil_scoped_release release;
            read = reader(path);
          }
          return slices(read);
        },
        py::arg("path"));
  }
  m.def(
      "add_noise",
      [](const torch::Tensor& clean, const std::string& noise, uint64_t seed) {
        return add_noise(clean, NoiseModel::parse(noise), seed);
      },
      py::arg("clean"), py::arg("noise"), py::arg("seed"), py::call_guard<py::gil_scoped_release>());
  m.def(
      "metrics",
      [](const torch::Tensor& estimate, const torch::Tensor& truth) {
        std::vector<MetricValues> values;
        {
          py::gil_scoped_release release;
          values = compute_metrics(estimate, truth);
        }
        py::dict out;
        for (const auto& v : values) out[v.name.c_str()] = v.per_image;
        return out;
      },
      py::arg("estimate"), py::arg("truth"));
  m.def(
      "psnr", [](const torch::Tensor& x, const torch::Tensor& t, double range) { return psnr(x, t, range); },
      py::arg("estimate"), py::arg("truth"), py::arg("data_range") = 1.0,
      py::call_guard<py::gil_scoped_release>());
  m.def(
      "ssim", [](const torch::Tensor& x, const torch::Tensor& t) { return ssim(x, t); }, py::arg("estimate"),
      py::arg("truth"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace genreg::python
