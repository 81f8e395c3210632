#include "ebm/options.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace ebm {

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

void OptionSet::add(const std::string& key, double* field, const std::string& meaning) {
  add_binding({{key, "real", "", meaning},
               [owner = owner_, key, field](const std::string& v) {
                 char* end = nullptr;
                 double x = std::strtod(v.c_str(), &end);
                 if (v.empty() || *end != '\0' || std::isnan(x))
                   throw std::invalid_argument(owner + ": option '" + key + "' expects a real number, got '" + v + "'");
                 *field = x;
               },
               [field] { return format_number(*field); }});
}

void OptionSet::add(const std::string& key, int64_t* field, const std::string& meaning) {
  add_binding({{key, "integer", "", meaning},
               [owner = owner_, key, field](const std::string& v) {
                 char* end = nullptr;
                 long long x = std::strtoll(v.c_str(), &end, 10);
                 if (v.empty() || *end != '\0')
                   throw std::invalid_argument(owner + ": option '" + key + "' expects an integer, got '" + v + "'");
                 *field = x;
               },
               [field] { return std::to_string(*field); }});
}

void OptionSet::add(const std::string& key, bool* field, const std::string& meaning) {
  add_binding({{key, "bool", "", meaning},
               [owner = owner_, key, field](const std::string& v) {
                 if (v == "1" || v == "true" || v == "yes" || v == "on") *field = true;
                 else if (v == "0" || v == "false" || v == "no" || v == "off") *field = false;
                 else throw std::invalid_argument(owner + ": option '" + key + "' expects true/false or 1/0, got '" + v + "'");
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
  add_binding({{key, type, "", meaning},
               [owner = owner_, key, field, choices, type](const std::string& v) {
                 if (!choices.empty()) {
                   bool ok = false;
                   for (const auto& c : choices) ok = ok || c == v;
                   if (!ok)
                     throw std::invalid_argument(owner + ": option '" + key + "' must be one of " + type + ", got '" + v + "'");
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
  throw std::invalid_argument(owner_ + ": unknown option '" + key + "' (known: " + known.str() + ")");
}

std::string OptionSet::current_values() const {
  std::ostringstream s;
  for (size_t i = 0; i < bindings_.size(); ++i) s << (i ? "," : "") << bindings_[i].info.key << "=" << bindings_[i].print();
  return s.str();
}

}  // namespace ebm
