#include "ebm/weights_archive.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace ebm {

namespace {

// The blob as LibTorch's zip reader sees it. (caffe2's own MemoryReadAdapter does not clamp reads past
// the end: the zip reader probes the last 4 KB, a heap overflow on a short blob, found by fuzzing.)
class BlobReader final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BlobReader(const std::string& blob) : blob_(blob) {}
  size_t size() const override { return blob_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= blob_.size()) return 0;
    const size_t count = std::min<size_t>(n, blob_.size() - pos);
    std::memcpy(buf, blob_.data() + pos, count);
    return count;
  }

 private:
  const std::string& blob_;
};

bool is_code_record(const std::string& name) {
  const std::string suffix = ".py";
  return name.rfind("code/", 0) == 0 && name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_module_save_line(const std::string& line) {
  static const std::string type = R"((Tensor|__torch__(\.[A-Za-z_][A-Za-z0-9_]*)*\.Module))";
  static const std::regex forms(
      R"(|class Module\(Module\):)"
      R"(|  __(parameters|buffers)__ = \[("[A-Za-z0-9_]+", )*\])"
      R"(|  __annotations__ = \[\])"
      R"(|  __annotations__\["[0-9]+"\] = )" + type +
      R"(|  [A-Za-z_][A-Za-z0-9_]* : )" + type);
  return std::regex_match(line, forms);
}

}  // namespace

void check_weights_archive_code(const std::string& weights) {
  caffe2::serialize::PyTorchStreamReader reader(std::make_shared<BlobReader>(weights));
  for (const auto& name : reader.getAllRecords()) {
    if (!is_code_record(name)) continue;
    const auto [data, size] = reader.getRecord(name);
    std::istringstream text(std::string(static_cast<const char*>(data.get()), size));
    int line_number = 0;
    for (std::string line; std::getline(text, line);) {
      ++line_number;
      if (!is_module_save_line(line))
        throw std::runtime_error(name + " line " + std::to_string(line_number) +
                                 " is not a form Module::save writes: '" + line.substr(0, 80) + "'");
    }
  }
}

}  // namespace ebm
