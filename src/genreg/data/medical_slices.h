#pragma once
// Medical image slices (PROTOCOL.md, "Medical imaging") read through well-kept libraries: DICOM
// with DCMTK (dicom.cpp), NIfTI with the NIfTI C library (nifti.cpp). Both arrive as slices in their
// modality's units (HU for CT), then become [0, 1] images: CT as mu / mu_max (attenuation.h) clipped
// to [0, 1]; any other modality (MRI) divided by the 99.5th percentile of its volume (DICOM: of
// its slice) and clipped.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "genreg/data/dataset.h"

namespace genreg {

struct MedicalSlice {
  std::string path;            // the file it came from
  std::string modality;        // DICOM's Modality ("CT", "MR"); NIfTI: "CT" when the volume reaches air
  torch::Tensor values;        // (H, W) float64 in the modality's units (CT: HU), row 0 at the top
  double pixel_spacing = 0.0;  // mm across columns where the file says, else 0
};

// One DICOM file's slices (one per frame): RescaleSlope / RescaleIntercept applied, as pydicom's
// apply_modality_lut. Throws genreg::Error naming the file and the reason (not DICOM, truncated,
// no pixel data, colour, a transfer syntax DCMTK cannot decode).
std::vector<MedicalSlice> read_dicom(const std::string& path);

// The axial slices of one NIfTI-1 or NIfTI-2 volume (.nii, .nii.gz, .hdr/.img), scl_slope /
// scl_inter applied; column = the volume's first index i, row = its last j first (y upwards).
// A volume whose minimum is at most -900 is CT in HU (it holds air); any other is of another
// modality. Throws genreg::Error naming the file and the reason.
std::vector<MedicalSlice> read_nifti(const std::string& path);

// Slices -> (N, 1, H, W) images in [0, 1] as above, each resized to `size` ({}: the first slice's).
// `scale_groups`: slices of one volume share a percentile (one group per volume).
torch::Tensor medical_images(const std::vector<MedicalSlice>& slices, const std::vector<int64_t>& size,
                             const std::vector<int64_t>& scale_groups);

// `dicom:PATH` and `nifti:PATH` (a file or a folder searched recursively, files sorted by path; a
// folder splits as folder datasets do, a single file is its own train and test split).
Dataset load_dicom(const std::string& path, const std::string& split, const IndexRange& range,
                   const std::vector<int64_t>& size);
Dataset load_nifti(const std::string& path, const std::string& split, const IndexRange& range,
                   const std::vector<int64_t>& size);

}  // namespace genreg
