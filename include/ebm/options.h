// OptionSet: binds text keys to the fields of an options struct, so one table serves parsing
// ("step=0.05"), validation messages that name the field, and `ebm samplers` listings.
//
// An options struct exposes `void bind(OptionSet&)` that registers each field with its meaning
// (the formula it enters, and its neutral value), and `bool is_valid(std::string* error) const`.
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
  std::string range;          // numeric options: "[1, 1048576]", "(0, 1000000]"; else ""
};

// The values a real option accepts: low..high, each end closed unless marked open. Both ends are
// finite unless the option's neutral value is an infinity (tol = -inf), so no step is ever inf.
struct RealRange {
  double low, high;
  bool low_open = false, high_open = false;
  bool contains(double x) const;
  std::string text() const;  // "(0, 1000000]"
};
// The values an integer option accepts: [low, high].
struct IntegerRange {
  int64_t low, high;
  std::string text() const;  // "[1, 1048576]"
};

class OptionSet {
 public:
  explicit OptionSet(std::string owner) : owner_(std::move(owner)) {}

  // Numeric options carry their range: text outside it is refused when parsed, naming the range
  // ("langevin: option 'step' must be a finite real in (0, 1000000], got 'inf'"). The range bounds what
  // a spec may ask; a program may still set a field beyond it (bench chains: ms = 1e9, "no limit").
  void add(const std::string& key, double* field, const std::string& meaning, RealRange range);
  void add(const std::string& key, int64_t* field, const std::string& meaning, IntegerRange range);
  // An unsigned 64-bit value (seeds): decimal digits only, so "-1" is refused rather than wrapped.
  void add(const std::string& key, uint64_t* field, const std::string& meaning);
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

// `text` in quotes for a one-line message, cut to `most` characters ("'aaaa...' (100000 characters)").
std::string excerpt(const std::string& text, size_t most = 40);

// Shortest text that reads back to the same double ("0.05", "1e-06", "inf").
std::string format_number(double value);

}  // namespace ebm
