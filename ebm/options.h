// OptionSet: binds text keys to the fields of an options struct, so one table serves parsing
// ("step=0.05"), validation messages that name the field, and `ebm samplers` listings.
//
// An options struct exposes `void bind(OptionSet&)` that registers each field with its meaning
// (the formula it enters, and its neutral value), and `bool IsValid(std::string* error) const`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ebm {

struct OptionInfo {
  std::string key;
  std::string type;           // "real", "integer", "bool", "text" or "a|b|c"
  std::string default_value;  // as text, read when bound (i.e. the struct's in-class default)
  std::string meaning;
};

class OptionSet {
 public:
  explicit OptionSet(std::string owner) : owner_(std::move(owner)) {}

  void add(const std::string& key, double* field, const std::string& meaning);
  void add(const std::string& key, int64_t* field, const std::string& meaning);
  void add(const std::string& key, bool* field, const std::string& meaning);
  void add(const std::string& key, std::string* field, const std::string& meaning,
           std::vector<std::string> choices = {});

  bool has(const std::string& key) const;
  // Parses `value` into the field. Throws std::invalid_argument naming owner, key and the problem
  // ("langevin: option 'step' expects a real number, got 'abc'"; unknown keys list the known ones).
  void set(const std::string& key, const std::string& value);
  const std::vector<OptionInfo>& infos() const { return infos_; }
  const std::string& owner() const { return owner_; }
  // "step=0.05,noise=-1" with the fields' current values.
  std::string current_values() const;

 private:
  struct Binding {
    OptionInfo info;
    std::function<void(const std::string&)> parse;
    std::function<std::string()> print;
  };
  void add_binding(Binding binding);
  std::string owner_;
  std::vector<OptionInfo> infos_;
  std::vector<Binding> bindings_;
};

// Shortest text that reads back to the same double ("0.05", "1e-06", "inf").
std::string format_number(double value);

}  // namespace ebm
