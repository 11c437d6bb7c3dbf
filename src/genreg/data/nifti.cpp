// NIfTI volumes through the NIfTI C library (nifti2_io: reads NIfTI-1 and NIfTI-2).
#include <nifti2_io.h>

#include <memory>

#include "genreg/core/error.h"
#include "genreg/data/medical_slices.h"

namespace genreg {

std::vector<MedicalSlice> read_nifti(const std::string& path) {
  nifti_set_debug_level(0);  // the library prints its own errors; genreg reports one line
  require(nifti_is_complete_filename(path.c_str()) || is_nifti_file(path.c_str()) >= 0, path,
          ": not a NIfTI file");
  std::unique_ptr<nifti_image, void (*)(nifti_image*)> image(nifti_image_read(path.c_str(), 1),
                                                             nifti_image_free);
  require(image != nullptr, path, ": not a readable NIfTI file (bad header or missing image data)");
  require(image->data != nullptr, path, ": NIfTI file without image data (truncated?)");
  const int64_t nx = image->nx, ny = image->ny;
  const int64_t nz = image->ndim >= 3 ? std::max<int64_t>(1, image->nz) : 1;
  require(image->ndim >= 2 && nx > 0 && ny > 0, path, ": NIfTI volume has no 2D slices (dim ", image->ndim,
          ")");
  require(image->ndim <= 3 || image->nt <= 1, path, ": a NIfTI time series (", image->nt,
          " volumes); genreg reads one volume per file");
  const int64_t count = nx * ny * nz;
  require(static_cast<int64_t>(image->nvox) >= count, path, ": NIfTI image holds ", image->nvox,
          " voxels, fewer than its dimensions ", nx, "x", ny, "x", nz);
  torch::ScalarType type;
  switch (image->datatype) {
    case DT_UINT8:
      type = torch::kUInt8;
      break;
    case DT_INT8:
      type = torch::kInt8;
      break;
    case DT_INT16:
      type = torch::kInt16;
      break;
    case DT_INT32:
      type = torch::kInt32;
      break;
    case DT_INT64:
      type = torch::kInt64;
      break;
    case DT_FLOAT32:
      type = torch::kFloat32;
      break;
    case DT_FLOAT64:
      type = torch::kFloat64;
      break;
    default:
      fail(path, ": NIfTI data type ", nifti_datatype_string(image->datatype), " is not supported");
  }
  // (nz, ny, nx), i fastest; copied before the image is freed.
  auto volume = torch::from_blob(image->data, {nz, ny, nx}, type).to(torch::kFloat64, false, true);
  if (image->scl_slope != 0.0f) volume = volume * image->scl_slope + image->scl_inter;
  volume = volume.flip(1);  // row 0 at the top: j (y) upwards
  require(torch::isfinite(volume).all().item<bool>(), path, ": NIfTI volume holds NaN or infinite values");
  const std::string modality = volume.min().item<double>() <= -900.0 ? "CT" : "MR";
  std::vector<MedicalSlice> slices;
  for (int64_t k = 0; k < nz; ++k) slices.push_back({path, modality, volume[k].contiguous(), image->dx});
  return slices;
}

}  // namespace genreg
