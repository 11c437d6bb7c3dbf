#include "genreg/data/medical_slices.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "genreg/core/error.h"
#include "genreg/data/attenuation.h"
#include "genreg/data/image_folder.h"

namespace genreg {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_dicom_name(const fs::path& p) {
  const auto name = p.filename().string();
  if (name.empty() || name[0] == '.' || name == "DICOMDIR") return false;
  const auto ext = lower(p.extension().string());
  return ext.empty() || ext == ".dcm" || ext == ".dicom" || ext == ".ima";
}

bool is_nifti_name(const fs::path& p) {
  const auto name = lower(p.filename().string());
  auto ends = [&](const std::string& s) {
    return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".nii") || ends(".nii.gz") || ends(".hdr");
}

// The files of `split` under `root` (a file: itself for both splits): root/train and root/test
// when present, else file i is test iff i % 5 == 4 (folder datasets' rule); one file serves both.
std::vector<std::string> split_files(const std::string& root, const std::string& split,
                                     bool (*accept)(const fs::path&), const std::string& what) {
  require(fs::exists(root), what, ": no such file or folder: ", root);
  if (fs::is_regular_file(root)) return {root};
  auto list = [&](const fs::path& dir) {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      if (entry.is_regular_file() && accept(entry.path())) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
  };
  const bool has_splits =
      fs::is_directory(fs::path(root) / "train") || fs::is_directory(fs::path(root) / "test");
  std::vector<std::string> files;
  if (has_splits) {
    require(fs::is_directory(fs::path(root) / split), what, " ", root, " has no '", split, "' folder");
    files = list(fs::path(root) / split);
  } else {
    const auto all = list(root);
    if (all.size() == 1) return all;
    for (size_t i = 0; i < all.size(); ++i)
      if ((i % 5 == 4) == (split == "test")) files.push_back(all[i]);
  }
  require(!files.empty(), what, " ", root, ": no files for split '", split, "'");
  return files;
}

Dataset slices_dataset(const std::vector<MedicalSlice>& slices, const std::vector<int64_t>& groups,
                       const IndexRange& range, const std::vector<int64_t>& size) {
  const IndexRange r = range.resolve(static_cast<int64_t>(slices.size()));
  std::vector<int64_t> picked_groups(groups.begin() + r.start, groups.begin() + r.stop);
  Dataset data;
  data.split_size = static_cast<int64_t>(slices.size());
  // The percentile of a volume is over all its slices, also those outside the range.
  data.images = medical_images(slices, size, groups).narrow(0, r.start, r.size()).contiguous();
  data.labels = torch::full({r.size()}, -1, torch::kInt64);
  data.indices = torch::arange(r.start, r.stop, torch::kInt64);
  return data;
}

}  // namespace

torch::Tensor medical_images(const std::vector<MedicalSlice>& slices, const std::vector<int64_t>& size,
                             const std::vector<int64_t>& scale_groups) {
  require(!slices.empty(), "no slices");
  require(scale_groups.size() == slices.size(), "medical images: one scale group per slice");
  const int64_t height = size.empty() ? slices[0].values.size(0) : size[0];
  const int64_t width = size.empty() ? slices[0].values.size(1) : size[1];
  // 99.5th percentile per group, for slices not in HU.
  std::map<int64_t, double> percentile;
  for (size_t i = 0; i < slices.size(); ++i) {
    if (slices[i].modality == "CT" || percentile.count(scale_groups[i])) continue;
    std::vector<torch::Tensor> members;
    for (size_t j = 0; j < slices.size(); ++j)
      if (scale_groups[j] == scale_groups[i]) members.push_back(slices[j].values.flatten());
    auto all = torch::cat(members);
    const double p = std::get<0>(all.sort())[static_cast<int64_t>(0.995 * (all.numel() - 1))].item<double>();
    require(p > 0.0, slices[i].path, ": its 99.5th percentile is ", p,
            " (an empty or negative image cannot be scaled)");
    percentile[scale_groups[i]] = p;
  }
  auto images = torch::empty({static_cast<int64_t>(slices.size()), 1, height, width}, torch::kFloat32);
  for (size_t i = 0; i < slices.size(); ++i) {
    const auto& v = slices[i].values;
    auto unit = slices[i].modality == "CT" ? (v * (kMuWater - kMuAir) / 1000.0 + kMuWater) / kMuMax
                                           : v / percentile.at(scale_groups[i]);
    auto image = unit.clamp(0.0, 1.0).to(torch::kFloat32).unsqueeze(0).unsqueeze(0);
    images[static_cast<int64_t>(i)] = resize_images(image, height, width)[0];
  }
  return images;
}

Dataset load_dicom(const std::string& path, const std::string& split, const IndexRange& range,
                   const std::vector<int64_t>& size) {
  std::vector<MedicalSlice> slices;
  std::vector<int64_t> groups;
  for (const auto& file : split_files(path, split, is_dicom_name, "dicom dataset")) {
    for (auto& s : read_dicom(file)) {
      slices.push_back(std::move(s));
      groups.push_back(static_cast<int64_t>(slices.size()));  // DICOM: each slice its own scale
    }
  }
  return slices_dataset(slices, groups, range, size);
}

Dataset load_nifti(const std::string& path, const std::string& split, const IndexRange& range,
                   const std::vector<int64_t>& size) {
  std::vector<MedicalSlice> slices;
  std::vector<int64_t> groups;
  int64_t volume = 0;
  for (const auto& file : split_files(path, split, is_nifti_name, "nifti dataset")) {
    for (auto& s : read_nifti(file)) {
      slices.push_back(std::move(s));
      groups.push_back(volume);
    }
    ++volume;
  }
  return slices_dataset(slices, groups, range, size);
}

}  // namespace genreg
