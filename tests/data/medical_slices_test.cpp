// DICOM through DCMTK and NIfTI through the NIfTI library: real files (python3-pydicom's test
// files; tests/python/test_medical.py compares their values with pydicom's), volumes written with
// the NIfTI library and read back, and bad input as one-line errors naming the file.
#include "genreg/data/medical_slices.h"

#include <gtest/gtest.h>
#include <nifti2_io.h>

#include <filesystem>
#include <fstream>

#include "genreg/core/error.h"
#include "genreg/data/attenuation.h"

using namespace genreg;
namespace fs = std::filesystem;

namespace {

const std::string kPydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files/";

fs::path scratch(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("genreg_medical_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A volume (nz, ny, nx) written by the NIfTI library, int16 with scl_slope / scl_inter.
void write_nifti(const fs::path& path, const torch::Tensor& raw, float slope, float inter) {
  const int64_t dims[8] = {3, raw.size(2), raw.size(1), raw.size(0), 1, 1, 1, 1};
  nifti_image* image = nifti_make_new_nim(dims, DT_INT16, 1);
  ASSERT_NE(image, nullptr);
  image->scl_slope = slope;
  image->scl_inter = inter;
  // The file stores j upwards; genreg's row 0 is the top, so write rows reversed.
  auto stored = raw.flip(1).contiguous();
  std::memcpy(image->data, stored.data_ptr<int16_t>(), stored.numel() * sizeof(int16_t));
  ASSERT_EQ(nifti_set_filenames(image, path.c_str(), 0, 1), 0);
  nifti_image_write(image);
  nifti_image_free(image);
}

}  // namespace

TEST(Dicom, CompressedAndReorderedEncodingsDecodeToTheSameSlice) {
  if (!fs::exists(kPydicomFiles + "MR_small.dcm")) GTEST_SKIP() << "python3-pydicom's test files are missing";
  const auto reference = read_dicom(kPydicomFiles + "MR_small.dcm").at(0).values;
  for (const char* name : {"MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_bigendian.dcm",
                           "MR_small_implicit.dcm", "MR_small_expb.dcm"}) {
    const auto slices = read_dicom(kPydicomFiles + name);
    ASSERT_EQ(slices.size(), 1u) << name;
    EXPECT_TRUE(torch::equal(slices[0].values, reference)) << name;
    EXPECT_EQ(slices[0].modality, "MR") << name;
  }
  const auto ct = read_dicom(kPydicomFiles + "CT_small.dcm").at(0);
  EXPECT_EQ(ct.modality, "CT");
  EXPECT_GT(ct.pixel_spacing, 0.0);
}

TEST(Dicom, BadFilesAndEmptyFoldersAreOneLineErrorsNamingTheFile) {
  const auto dir = scratch("bad");
  std::ofstream(dir / "notes.dcm") << "not a DICOM file";
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto text = message([&] { read_dicom((dir / "notes.dcm").string()); });
  EXPECT_NE(text.find("notes.dcm: not a readable DICOM file"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const auto empty = scratch("empty");
  const auto none = message([&] { load_dicom(empty.string(), "train", IndexRange::all(), {}); });
  EXPECT_NE(none.find("no files"), std::string::npos) << none;
  EXPECT_NE(message([&] {
              load_dicom((empty / "missing").string(), "test", IndexRange::all(), {});
            }).find("no such"),
            std::string::npos);
  if (fs::exists(kPydicomFiles + "MR_truncated.dcm")) {
    EXPECT_NE(message([&] { read_dicom(kPydicomFiles + "MR_truncated.dcm"); }).find("MR_truncated.dcm"),
              std::string::npos);
  }
  fs::remove_all(dir);
  fs::remove_all(empty);
}

TEST(Nifti, VolumesWrittenByTheLibraryReadBackExactly) {
  const auto dir = scratch("nifti");
  // CT in HU: raw int16 with slope 2 and intercept -1024 reaches air.
  auto raw = torch::randint(0, 1500, {3, 20, 24}, torch::kInt16);
  for (const char* name : {"ct.nii", "ct.nii.gz"}) {
    write_nifti(dir / name, raw, 2.0f, -1024.0f);
    const auto slices = read_nifti((dir / name).string());
    ASSERT_EQ(slices.size(), 3u) << name;
    for (int64_t k = 0; k < 3; ++k) {
      EXPECT_TRUE(torch::equal(slices[k].values, raw[k].to(torch::kFloat64) * 2.0 - 1024.0)) << name;
      EXPECT_EQ(slices[k].modality, "CT");
    }
  }
  // The dataset: CT slices become mu / mu_max clipped; MRI-like volumes scale by their 99.5th
  // percentile over the whole volume.
  const auto ct = load_nifti((dir / "ct.nii").string(), "test", IndexRange::all(), {});
  auto expected =
      (((raw.to(torch::kFloat64) * 2.0 - 1024.0) * (kMuWater - kMuAir) / 1000.0 + kMuWater) / kMuMax)
          .clamp(0.0, 1.0)
          .to(torch::kFloat32)
          .unsqueeze(1);
  EXPECT_TRUE(torch::allclose(ct.images, expected, 0.0, 1e-6));
  auto mr_raw = torch::arange(3 * 20 * 24, torch::kInt16).reshape({3, 20, 24});
  write_nifti(dir / "mr.nii.gz", mr_raw, 1.0f, 0.0f);
  const auto mr = load_nifti((dir / "mr.nii.gz").string(), "train", IndexRange::all(), {});
  EXPECT_EQ(mr.images.max().item<float>(), 1.0f);
  // 1.0 from the 99.5th percentile of 1440 values (1431.0) on.
  EXPECT_EQ((mr.images == 1.0f).sum().item<int64_t>(), 1440 - 1432 + 1);
  const auto resized = load_nifti((dir / "mr.nii.gz").string(), "train", IndexRange::all(), {10, 12});
  ASSERT_EQ(resized.images.sizes(), (std::vector<int64_t>{3, 1, 10, 12}));
  EXPECT_LT(mr.images[0].max().item<float>(), 0.35f);  // the first slice holds the smallest values
  // Bad files: not NIfTI, truncated.
  std::ofstream(dir / "bad.nii") << "not a NIfTI header";
  EXPECT_THROW(read_nifti((dir / "bad.nii").string()), Error);
  {
    std::ifstream in(dir / "ct.nii", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir / "short.nii", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  try {
    read_nifti((dir / "short.nii").string());
    ADD_FAILURE() << "a truncated volume was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("short.nii"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
