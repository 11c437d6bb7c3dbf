#include "genreg/io/python_pickle.h"

#include <caffe2/serialize/in_memory_adapter.h>
#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <cstring>
#include <map>

#include "genreg/core/error.h"

namespace genreg {
namespace {

uint64_t little_endian(const std::string& s, size_t at, size_t bytes) {
  require(at + bytes <= s.size(), "truncated pickle");
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}

// The pickle VM's stack as the byte offsets where each element's code begins, and its marks.
struct Stack {
  std::vector<size_t> starts;
  std::vector<std::pair<size_t, size_t>> marks;  // (stack size, offset of the MARK)

  size_t pop() {
    require(!starts.empty(), "malformed pickle (stack underflow)");
    const size_t s = starts.back();
    starts.pop_back();
    return s;
  }
  // Pops n elements and pushes one that begins where the first of them began.
  void combine(size_t n, size_t offset) {
    size_t start = offset;
    for (size_t i = 0; i < n; ++i) start = pop();
    starts.push_back(start);
  }
  // Pops to the last mark; returns the mark's offset.
  size_t pop_mark() {
    require(!marks.empty(), "malformed pickle (no mark)");
    const auto [size, offset] = marks.back();
    marks.pop_back();
    require(starts.size() >= size, "malformed pickle (mark)");
    starts.resize(size);
    return offset;
  }
};

// Python pickles Protocol 5 (the torch.load extension of it) at rest on the opcodes listed in
// CPython's Lib/pickletools.py.
size_t argument_length(const std::string& s, size_t at, unsigned char op) {
  switch (op) {
    case 0x80:
    case 'K':
    case 'q':
    case 'h':
      return 1;  // PROTO BININT1 BINPUT BINGET
    case 'M':
      return 2;  // BININT2
    case 'J':
    case 'r':
    case 'j':
      return 4;  // BININT LONG_BINPUT LONG_BINGET
    case 'G':
    case 0x95:
      return 8;  // BINFLOAT FRAME
    case 0x8a:
    case 'U':
    case 'C':
    case 0x8c:
      return 1 + little_endian(s, at, 1);  // LONG1 SHORT_BIN*
    case 0x8b:
    case 'T':
    case 'B':
    case 'X':
      return 4 + little_endian(s, at, 4);  // LONG4 BINSTRING BINBYTES BINUNICODE
    case 0x8d:
    case 0x8e:
    case 0x96:
      return 8 + little_endian(s, at, 8);  // BINUNICODE8 BINBYTES8 BYTEARRAY8
    case 'c': {                            // GLOBAL: two lines
      const size_t first = s.find('\n', at);
      require(first != std::string::npos, "truncated pickle");
      const size_t second = s.find('\n', first + 1);
      require(second != std::string::npos, "truncated pickle");
      return second + 1 - at;
    }
    case 'I':
    case 'L':
    case 'S':
    case 'V':
    case 'F':
    case 'p':
    case 'g':
    case 'P': {  // text forms
      const size_t end = s.find('\n', at);
      require(end != std::string::npos, "truncated pickle");
      return end + 1 - at;
    }
    default:
      return 0;
  }
}

}  // namespace

std::string batch_single_item_opcodes(const std::string& s) {
  Stack stack;
  std::map<size_t, int> marks_before;  // offset -> MARKs to insert before it
  std::string out = s;
  size_t at = 0;
  bool stopped = false;
  while (at < s.size() && !stopped) {
    const auto op = static_cast<unsigned char>(s[at]);
    const size_t offset = at;
    const size_t length = argument_length(s, at + 1, op);
    switch (op) {
      case 0x80:
      case 0x95:
      case 'q':
      case 'r':
      case 'p':
      case 0x94:
        break;  // PROTO FRAME PUT MEMOIZE
      case '(':
        stack.marks.push_back({stack.starts.size(), offset});
        break;
      case '.':
        stopped = true;
        break;
      case '0':
        stack.pop();
        break;
      case '1':
        stack.pop_mark();
        break;
      case '2':
        stack.starts.push_back(offset);
        break;
      case 'K':
      case 'M':
      case 'J':
      case 0x8a:
      case 0x8b:
      case 'G':
      case 'X':
      case 0x8c:
      case 0x8d:
      case 'T':
      case 'U':
      case 'B':
      case 'C':
      case 0x8e:
      case 0x96:
      case 'N':
      case 0x88:
      case 0x89:
      case ')':
      case ']':
      case '}':
      case 0x8f:
      case 'c':
      case 'h':
      case 'j':
      case 'g':
      case 'I':
      case 'L':
      case 'S':
      case 'V':
      case 'F':
      case 'P':
        stack.starts.push_back(offset);
        break;
      case 'Q':
      case 0x85:
        stack.combine(1, offset);
        break;  // BINPERSID TUPLE1
      case 0x86:
      case 'R':
      case 'b':
      case 0x81:
      case 0x93:
        stack.combine(2, offset);
        break;  // TUPLE2 REDUCE BUILD NEWOBJ STACK_GLOBAL
      case 0x87:
        stack.combine(3, offset);
        break;  // TUPLE3
      case 0x92:
        stack.combine(3, offset);
        break;  // NEWOBJ_EX
      case 't':
      case 'l':
      case 'd':
      case 0x91:
        stack.starts.push_back(stack.pop_mark());
        break;  // TUPLE LIST DICT FROZENSET
      case 'u':
      case 'e':
      case 0x90:
        stack.pop_mark();
        break;     // SETITEMS APPENDS ADDITEMS
      case 's': {  // SETITEM: MARK before the key, SETITEMS instead
        stack.pop();
        ++marks_before[stack.pop()];
        out[offset] = 'u';
        break;
      }
      case 'a': {  // APPEND: MARK before the value, APPENDS instead
        ++marks_before[stack.pop()];
        out[offset] = 'e';
        break;
      }
      default:
        fail("unsupported pickle opcode 0x", std::hex, static_cast<int>(op), " at byte ", std::dec, offset);
    }
    at = offset + 1 + length;
  }
  require(stopped, "truncated pickle (no STOP)");
  if (marks_before.empty()) return out;
  std::string rewritten;
  rewritten.reserve(out.size() + marks_before.size());
  size_t copied = 0;
  for (const auto& [offset, count] : marks_before) {
    rewritten.append(out, copied, offset - copied);
    rewritten.append(static_cast<size_t>(count), '(');
    copied = offset;
  }
  rewritten.append(out, copied, std::string::npos);
  return rewritten;
}

std::vector<char> rewrite_python_archive(const std::vector<char>& archive) {
  caffe2::serialize::PyTorchStreamReader reader(
      std::make_unique<caffe2::serialize::MemoryReadAdapter>(archive.data(), archive.size()));
  std::vector<char> out;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void* data, size_t n) -> size_t {
      const auto* p = static_cast<const char*>(data);
      out.insert(out.end(), p, p + n);
      return n;
    });
    for (const auto& name : reader.getAllRecords()) {
      if (name == "version" || name == ".data/version") continue;  // the writer adds its own
      auto [data, size] = reader.getRecord(name);
      if (name == "data.pkl") {
        const auto pickle =
            batch_single_item_opcodes(std::string(static_cast<const char*>(data.get()), size));
        writer.writeRecord(name, pickle.data(), pickle.size());
      } else {
        writer.writeRecord(name, data.get(), size);
      }
    }
    writer.writeEndOfFile();
  }
  return out;
}

}  // namespace genreg
