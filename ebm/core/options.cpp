#include "ebm/options.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace ebm {

std::string excerpt(const std::string& text, size_t most) {
  if (text.size() <= most) return "'" + text + "'";
  return "'" + text.substr(0, most) + "...' (" + std::to_string(text.size()) + " characters)";
}

std::string format_number(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::isnan(value)) return "nan";
  char buffer[64];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    return buffer;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

void OptionSet::add_binding(Binding binding) {
  if (has(binding.info.key)) throw std::logic_error(owner_ + ": option '" + binding.info.key + "' bound twice");
  binding.info.default_value = binding.print();
  infos_.push_back(binding.info);
  bindings_.push_back(std::move(binding));
}

bool RealRange::contains(double x) const {
  if (std::isnan(x)) return false;
  if (low_open ? !(x > low) : !(x >= low)) return false;
  return high_open ? x < high : x <= high;
}

std::string RealRange::text() const {
  return std::string(low_open ? "(" : "[") + format_number(low) + ", " + format_number(high) + (high_open ? ")" : "]");
}

std::string IntegerRange::text() const { return "[" + std::to_string(low) + ", " + std::to_string(high) + "]"; }

void OptionSet::add(const std::string& key, double* field, const std::string& meaning, RealRange range) {
  const std::string kind = std::isfinite(range.low) && std::isfinite(range.high) ? "a finite real" : "a real";
  add_binding({{key, "real", "", meaning, range.text()},
               [owner = owner_, key, field, range, kind](const std::string& v) {
                 char* end = nullptr;
                 errno = 0;
                 const double x = std::strtod(v.c_str(), &end);
                 if (v.empty() || *end != '\0' || !range.contains(x) || (errno == ERANGE && std::isinf(x)))
                   throw std::invalid_argument(owner + ": option '" + key + "' must be " + kind + " in " +
                                               range.text() + ", got " + excerpt(v));
                 *field = x;
               },
               [field] { return format_number(*field); }});
}

namespace {

// The decimal integer `text` (optional sign, digits only), or false when it is not one or does not fit.
bool parse_decimal(const std::string& text, bool allow_sign, unsigned long long& magnitude, bool& negative) {
  size_t at = 0;
  negative = false;
  if (allow_sign && !text.empty() && (text[0] == '-' || text[0] == '+')) negative = text[at++] == '-';
  if (at == text.size() || text.size() - at > 20) return false;
  for (size_t i = at; i < text.size(); ++i)
    if (text[i] < '0' || text[i] > '9') return false;
  errno = 0;
  magnitude = std::strtoull(text.c_str() + at, nullptr, 10);
  return errno != ERANGE;
}

}  // namespace

void OptionSet::add(const std::string& key, int64_t* field, const std::string& meaning, IntegerRange range) {
  add_binding({{key, "integer", "", meaning, range.text()},
               [owner = owner_, key, field, range](const std::string& v) {
                 unsigned long long magnitude = 0;
                 bool negative = false;
                 const bool number = parse_decimal(v, true, magnitude, negative);
                 const bool fits = number && magnitude <= (negative ? 9223372036854775808ULL : 9223372036854775807ULL);
                 const int64_t x = !fits ? 0 : negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
                 if (!fits || x < range.low || x > range.high)
                   throw std::invalid_argument(owner + ": option '" + key + "' must be an integer in " + range.text() +
                                               ", got " + excerpt(v));
                 *field = x;
               },
               [field] { return std::to_string(*field); }});
}

void OptionSet::add(const std::string& key, uint64_t* field, const std::string& meaning) {
  add_binding({{key, "integer", "", meaning, "[0, 18446744073709551615]"},
               [owner = owner_, key, field](const std::string& v) {
                 unsigned long long x = 0;
                 bool negative = false;
                 if (!parse_decimal(v, false, x, negative))
                   throw std::invalid_argument(owner + ": option '" + key +
                                               "' must be an unsigned integer in [0, 18446744073709551615], got " + excerpt(v));
                 *field = x;
               },
               [field] { return std::to_string(*field); }});
}

void OptionSet::add(const std::string& key, bool* field, const std::string& meaning) {
  add_binding({{key, "bool", "", meaning, ""},
               [owner = owner_, key, field](const std::string& v) {
                 if (v == "1" || v == "true" || v == "yes" || v == "on") *field = true;
                 else if (v == "0" || v == "false" || v == "no" || v == "off") *field = false;
                 else throw std::invalid_argument(owner + ": option '" + key + "' expects true/false or 1/0, got " + excerpt(v));
               },
               [field] { return std::string(*field ? "true" : "false"); }});
}

void OptionSet::add(const std::string& key, std::string* field, const std::string& meaning,
                    std::vector<std::string> choices) {
  std::string type = "text";
  if (!choices.empty()) {
    type.clear();
    for (size_t i = 0; i < choices.size(); ++i) type += (i ? "|" : "") + choices[i];
  }
  add_binding({{key, type, "", meaning, ""},
               [owner = owner_, key, field, choices, type](const std::string& v) {
                 if (!choices.empty()) {
                   bool ok = false;
                   for (const auto& c : choices) ok = ok || c == v;
                   if (!ok)
                     throw std::invalid_argument(owner + ": option '" + key + "' must be one of " + type + ", got " + excerpt(v));
                 }
                 *field = v;
               },
               [field] { return *field; }});
}

bool OptionSet::has(const std::string& key) const {
  for (const auto& b : bindings_)
    if (b.info.key == key) return true;
  return false;
}

void OptionSet::set(const std::string& key, const std::string& value) {
  for (auto& b : bindings_) {
    if (b.info.key == key) {
      b.parse(value);
      return;
    }
  }
  std::ostringstream known;
  for (size_t i = 0; i < infos_.size(); ++i) known << (i ? ", " : "") << infos_[i].key;
  throw std::invalid_argument(owner_ + ": unknown option " + excerpt(key) + " (known: " + known.str() + ")");
}

std::string OptionSet::current_values() const {
  std::ostringstream s;
  for (size_t i = 0; i < bindings_.size(); ++i) s << (i ? "," : "") << bindings_[i].info.key << "=" << bindings_[i].print();
  return s.str();
}

}  // namespace ebm
