// DICOM slices through DCMTK's dcmdata, with its JPEG, JPEG-LS and RLE decoders registered.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <cstring>
#include <mutex>

#include "genreg/core/error.h"
#include "genreg/data/medical_slices.h"

namespace genreg {
namespace {

void register_decoders() {
  static std::once_flag once;
  std::call_once(once, [] {
    // DCMTK logs its own warnings to stderr; genreg reports errors itself, one line each.
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

template <typename T>
T value_or(DcmDataset* d, const DcmTagKey& tag, T fallback);

template <>
double value_or(DcmDataset* d, const DcmTagKey& tag, double fallback) {
  Float64 v = 0.0;
  return d->findAndGetFloat64(tag, v).good() ? v : fallback;
}
template <>
long value_or(DcmDataset* d, const DcmTagKey& tag, long fallback) {
  Uint16 v = 0;
  if (d->findAndGetUint16(tag, v).good()) return v;
  Sint32 s = 0;
  return d->findAndGetSint32(tag, s).good() ? s : fallback;
}

// The modality LUT of pydicom's apply_modality_lut: raw * slope + intercept, signed values
// (PixelRepresentation 1) sign-extended from their `stored` bits.
template <typename T>
void modality_values(const T* data, int64_t count, bool is_signed, long stored, double slope,
                     double intercept, double* out) {
  const int64_t shift = 64 - stored;
  for (int64_t i = 0; i < count; ++i) {
    const auto bits = static_cast<uint64_t>(data[i]);
    const int64_t raw = is_signed ? static_cast<int64_t>(bits << shift) >> shift : static_cast<int64_t>(bits);
    out[i] = raw * slope + intercept;
  }
}

}  // namespace

std::vector<MedicalSlice> read_dicom(const std::string& path) {
  register_decoders();
  DcmFileFormat file;
  OFCondition status = file.loadFile(path.c_str());
  require(status.good(), path, ": not a readable DICOM file (", status.text(), ")");
  DcmDataset* d = file.getDataset();
  require(d->tagExists(DCM_PixelData), path, ": no pixel data (not an image)");
  const E_TransferSyntax syntax = d->getOriginalXfer();
  status = d->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
  require(status.good() && d->canWriteXfer(EXS_LittleEndianExplicit), path,
          ": cannot decode its transfer syntax ", DcmXfer(syntax).getXferName(), " (", status.text(), ")");
  const long rows = value_or<long>(d, DCM_Rows, 0), cols = value_or<long>(d, DCM_Columns, 0);
  const long samples = value_or<long>(d, DCM_SamplesPerPixel, 1);
  const long allocated = value_or<long>(d, DCM_BitsAllocated, 0),
             stored = value_or<long>(d, DCM_BitsStored, allocated);
  const long representation = value_or<long>(d, DCM_PixelRepresentation, 0);
  long frames = 1;
  {
    OFString text;
    if (d->findAndGetOFString(DCM_NumberOfFrames, text).good())
      frames = std::max(1L, std::atol(text.c_str()));
  }
  require(rows > 0 && cols > 0, path, ": no image size (Rows/Columns)");
  require(samples == 1, path, ": ", samples, " samples per pixel (colour); genreg reads greyscale slices");
  require(allocated == 8 || allocated == 16, path, ": ", allocated, " bits allocated; genreg reads 8 or 16");
  require(stored >= 1 && stored <= allocated, path, ": ", stored, " bits stored of ", allocated,
          " allocated");
  const double slope = value_or<double>(d, DCM_RescaleSlope, 1.0);
  const double intercept = value_or<double>(d, DCM_RescaleIntercept, 0.0);
  OFString modality;
  d->findAndGetOFString(DCM_Modality, modality);
  double spacing = 0.0;
  {
    Float64 v = 0.0;
    if (d->findAndGetFloat64(DCM_PixelSpacing, v, 1).good()) spacing = v;
  }
  const int64_t count = static_cast<int64_t>(rows) * cols;
  auto values = torch::empty({frames, rows, cols}, torch::kFloat64);
  double* out = values.data_ptr<double>();
  const auto check_length = [&](OFCondition got, const void* data, unsigned long length) {
    require(got.good() && data != nullptr && length >= static_cast<unsigned long>(count * frames), path,
            ": pixel data shorter than ", frames, " x ", rows, " x ", cols, " (truncated?)");
  };
  if (allocated == 16) {
    const Uint16* data = nullptr;
    unsigned long length = 0;
    const auto got = d->findAndGetUint16Array(DCM_PixelData, data, &length);
    check_length(got, data, length);
    modality_values(data, count * frames, representation == 1, stored, slope, intercept, out);
  } else {
    const Uint8* data = nullptr;
    unsigned long length = 0;
    const auto got = d->findAndGetUint8Array(DCM_PixelData, data, &length);
    check_length(got, data, length);
    modality_values(data, count * frames, representation == 1, stored, slope, intercept, out);
  }
  std::vector<MedicalSlice> slices;
  for (long f = 0; f < frames; ++f) slices.push_back({path, modality.c_str(), values[f].clone(), spacing});
  return slices;
}

}  // namespace genreg
