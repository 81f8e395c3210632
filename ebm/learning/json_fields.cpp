#include "ebm/learning/json_fields.h"

#include <stdexcept>

namespace ebm {

int64_t integer_field(const nlohmann::json& j, const std::string& owner, const char* name, int64_t low, int64_t high) {
  if (!j.is_object() || !j.contains(name) || !j.at(name).is_number_integer())
    throw std::invalid_argument(owner + ": field '" + name + "' must be an integer");
  const auto value = j.at(name).get<int64_t>();
  if (value < low || value > high)
    throw std::invalid_argument(owner + ": field '" + name + "' must be in [" + std::to_string(low) + ", " +
                                std::to_string(high) + "], got " + std::to_string(value));
  return value;
}

}  // namespace ebm
