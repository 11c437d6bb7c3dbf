#pragma once
// Files that Python's torch.save wrote, made readable by LibTorch's unpickler. Python's pickler
// writes a dict's or list's last single item with SETITEM / APPEND, which LibTorch 1.13's
// torch::jit::pickle_load does not know ("Unknown opcode for unpickling at 0x73"): a genreg
// checkpoint or measurement file loaded with torch.load and saved back unchanged was refused.
// The rewrite turns each SETITEM into MARK key value SETITEMS (and APPEND into MARK value APPENDS),
// which build the same object, and repacks the archive with its tensor records unchanged.

#include <string>
#include <vector>

namespace genreg {

// The pickle program `pickle` with SETITEM and APPEND replaced by their batched forms. Throws
// genreg::Error for an opcode outside the protocols torch.save writes (0 to 5).
std::string batch_single_item_opcodes(const std::string& pickle);

// A torch.save / pickle_save zip archive with its data.pkl rewritten as above (the tensor records
// copied unchanged), for torch::jit::pickle_load.
std::vector<char> rewrite_python_archive(const std::vector<char>& archive);

}  // namespace genreg
