#pragma once
// A list of entries found by name, the shape of every registry in genreg (methods, model kinds,
// training recipes): each entry registers itself once from its own file, and a lookup of an
// unknown name is an error that lists the known ones.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "genreg/core/error.h"

namespace genreg {

template <typename Entry, std::string Entry::*Name>
class NamedRegistry {
 public:
  // `what` names an entry in errors: "method", "model kind".
  explicit NamedRegistry(std::string what) : what_(std::move(what)) {}
  virtual ~NamedRegistry() = default;

  // Throws genreg::Error for an empty or a taken name.
  void add(Entry entry) {
    require(!(entry.*Name).empty(), "a ", what_, " needs a name");
    require(!contains(entry.*Name), what_, " '", entry.*Name, "' is registered twice");
    entries_.push_back(std::move(entry));
  }
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  // Throws genreg::Error naming the registered entries.
  const Entry& at(const std::string& name) const {
    if (const Entry* e = find(name)) return *e;
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    fail("unknown ", what_, " '", name, "' (use ", known.empty() ? std::string("none registered") : known,
         ")");
  }
  // Registered names, sorted (a registry may order them otherwise: errors list them so).
  virtual std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.*Name);
    std::sort(out.begin(), out.end());
    return out;
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  const Entry* find(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.*Name == name) return &e;
    return nullptr;
  }
  std::string what_;
  std::vector<Entry> entries_;
};

}  // namespace genreg
