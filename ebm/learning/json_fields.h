// Reading the integer fields of an architecture record (checkpoint metadata) with their ranges.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace ebm {

// j[name] as an integer in [low, high]. Throws std::invalid_argument "OWNER: field 'NAME' must be an
// integer" / "... must be in [LOW, HIGH], got V" when it is missing, not an integer or out of range.
int64_t integer_field(const nlohmann::json& j, const std::string& owner, const char* name, int64_t low, int64_t high);

}  // namespace ebm
