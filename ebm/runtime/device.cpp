#include "ebm/device.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <stdexcept>

namespace ebm {

bool cuda_available() { return torch::cuda::is_available(); }
int cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

torch::Device resolve_device(const std::string& text) {
  if (text == "auto") return cuda_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (text == "cpu") return torch::kCPU;
  if (text.rfind("cuda", 0) == 0) {
    torch::Device device(torch::kCPU);
    try {
      device = torch::Device(text);
    } catch (const std::exception&) {
      throw std::invalid_argument("device '" + text + "' is not auto, cpu, cuda or cuda:N");
    }
    if (!at::hasCUDA())
      throw std::invalid_argument("device '" + text + "': this build of LibTorch has no CUDA support (build with -Dtorch_prefix=<CUDA LibTorch>)");
    if (!cuda_available()) throw std::invalid_argument("device '" + text + "': no CUDA GPU is visible");
    if (device.has_index() && device.index() >= cuda_device_count())
      throw std::invalid_argument("device '" + text + "': only " + std::to_string(cuda_device_count()) + " GPU(s) visible");
    return device;
  }
  throw std::invalid_argument("device '" + text + "' is not auto, cpu, cuda or cuda:N");
}

torch::Generator make_generator(uint64_t seed, const torch::Device& device) {
  auto generator = at::globalContext().defaultGenerator(device).clone();
  generator.set_current_seed(seed);
  return generator;
}

int set_threads(int threads) {
  if (threads < 0) throw std::invalid_argument("threads must be >= 0");
  if (threads > 0) at::set_num_threads(threads);
  return at::get_num_threads();
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? -1 : device.index());
}

std::string device_description(const torch::Device& device) {
  if (device.is_cpu()) return "cpu (" + std::to_string(at::get_num_threads()) + " threads)";
  return device.str();
}

}  // namespace ebm
