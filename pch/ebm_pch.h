// Precompiled header: the LibTorch front end costs ~10 s per translation unit to parse here.

#include <torch/torch.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
