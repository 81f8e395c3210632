// Devices, seeding and threads.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

namespace ebm {

// "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N". Throws std::invalid_argument
// for other text, and std::runtime_error when CUDA is asked for but not available (the message
// says whether this LibTorch was built without CUDA or no GPU is visible).
torch::Device resolve_device(const std::string& text);

// A fresh generator for `device` seeded with `seed`: one per run, independent of the global one.
torch::Generator make_generator(uint64_t seed, const torch::Device& device);

// Sets LibTorch's intra-op threads. 0 = leave as is. Returns the number in force afterwards.
int set_threads(int threads);

// Waits for queued device work (CUDA); a no-op on CPU. Use before reading a clock.
void synchronize(const torch::Device& device);

// "cpu (2 threads)" or the CUDA device's name.
std::string device_description(const torch::Device& device);

bool cuda_available();
int cuda_device_count();

}  // namespace ebm
