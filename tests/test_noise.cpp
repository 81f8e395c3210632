// NoiseSource and its kernels: Philox known answers, the documented stream layout, reproducibility
// (seed, thread count, kernel), distribution tests and the accuracy of the float/double maths.
#include <doctest/doctest.h>

#include "ebm/noise.h"
#include "ebm/noise_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using namespace ebm;
namespace nk = ebm::noise_kernels;

namespace {

std::vector<float> fill_f32(nk::FillF32 kernel, int64_t n, uint64_t seed, uint64_t first) {
  std::vector<float> v(static_cast<size_t>(n));
  kernel(v.data(), n, seed, first);
  return v;
}
std::vector<double> fill_f64(nk::FillF64 kernel, int64_t n, uint64_t seed, uint64_t first) {
  std::vector<double> v(static_cast<size_t>(n));
  kernel(v.data(), n, seed, first);
  return v;
}

// The four words of block b under seed s, from the reference Philox.
void block_words(uint64_t seed, uint64_t b, uint32_t x[4]) {
  const uint32_t ctr[4] = {static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32), 0, 0};
  const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  nk::philox4x32_10(ctr, key, x);
}

struct Moments {
  double mean = 0, variance = 0, skewness = 0, excess_kurtosis = 0;
};
Moments moments(const torch::Tensor& t) {
  auto x = t.to(torch::kDouble).flatten();
  Moments m;
  m.mean = x.mean().item<double>();
  auto d = x - m.mean;
  m.variance = d.pow(2).mean().item<double>();
  m.skewness = d.pow(3).mean().item<double>() / std::pow(m.variance, 1.5);
  m.excess_kurtosis = d.pow(4).mean().item<double>() / (m.variance * m.variance) - 3.0;
  return m;
}

// Kolmogorov-Smirnov distance between the sample and N(0, 1).
double ks_normal(const torch::Tensor& t) {
  auto sorted = std::get<0>(t.to(torch::kDouble).flatten().sort());
  const double* x = sorted.data_ptr<double>();
  const int64_t n = sorted.numel();
  double d = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double f = 0.5 * std::erfc(-x[i] / std::sqrt(2.0));
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

double lag1_autocorrelation(const torch::Tensor& t) {
  auto x = t.to(torch::kDouble).flatten();
  auto d = x - x.mean();
  const int64_t n = d.numel();
  return (d.slice(0, 0, n - 1) * d.slice(0, 1, n)).mean().item<double>() / d.pow(2).mean().item<double>();
}

}  // namespace

TEST_SUITE("core") {
  TEST_CASE("noise: Philox4x32-10 known-answer vectors (Random123 kat_vectors)") {
    struct Kat {
      uint32_t ctr[4], key[2], out[4];
    };
    const Kat kats[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (const Kat& kat : kats) {
      uint32_t out[4];
      nk::philox4x32_10(kat.ctr, kat.key, out);
      for (int w = 0; w < 4; ++w) CHECK(out[w] == kat.out[w]);
    }
  }

  TEST_CASE("noise: kernels follow the documented stream layout") {
    const uint64_t seed = 0x0123456789abcdefull, first = (uint64_t{1} << 32) - 5;  // counter crosses 2^32
    std::vector<const nk::FillKernels*> all = {&nk::generic_kernels()};
    if (nk::avx2_kernels()) all.push_back(nk::avx2_kernels());
    for (const nk::FillKernels* k : all) {
      CAPTURE(k->name);
      const int64_t n = 100;  // 3 whole float groups and a cut-short one
      auto uf = fill_f32(k->uniform_f32, n, seed, first);
      auto ud = fill_f64(k->uniform_f64, n, seed, first);
      for (int64_t i = 0; i < n; ++i) {
        uint32_t x[4];
        const int64_t g = i / 32, w = (i % 32) / 8, b = i % 8;
        block_words(seed, first + static_cast<uint64_t>(g * 8 + b), x);
        CHECK(uf[static_cast<size_t>(i)] == static_cast<float>(x[w] >> 9) * 0x1p-23f + 0x1p-24f);
        const int64_t gd = i / 8, hd = (i % 8) / 4, bd = i % 4;
        block_words(seed, first + static_cast<uint64_t>(gd * 4 + bd), x);
        const double expected =
            static_cast<double>(x[2 * hd]) * 0x1p-32 + static_cast<double>(x[2 * hd + 1] >> 12) * 0x1p-52 + 0x1p-53;
        CHECK(ud[static_cast<size_t>(i)] == expected);
      }
      // A fill cut at a group boundary continues where the whole fill would.
      auto whole = fill_f32(k->normal_f32, 96, seed, first);
      auto tail = fill_f32(k->normal_f32, 64, seed, first + 8);
      CHECK(std::equal(tail.begin(), tail.end(), whole.begin() + 32));
      auto whole_d = fill_f64(k->normal_f64, 40, seed, first);
      auto tail_d = fill_f64(k->normal_f64, 24, seed, first + 8);
      CHECK(std::equal(tail_d.begin(), tail_d.end(), whole_d.begin() + 16));
      // Every prefix is a prefix of the longer fill, whatever the length.
      for (int64_t len : {1, 3, 7, 31, 33, 63, 65}) {
        auto part = fill_f32(k->normal_f32, len, seed, first);
        CHECK(std::equal(part.begin(), part.end(), whole.begin()));
        auto part_d = fill_f64(k->normal_f64, std::min<int64_t>(len, 40), seed, first);
        CHECK(std::equal(part_d.begin(), part_d.end(), whole_d.begin()));
      }
    }
  }

  TEST_CASE("noise: normals match a long-double Box-Muller of the same bits") {
    const uint64_t seed = 99;
    const int64_t n_f = 32 * 4000, n_d = 8 * 4000;
    auto zf = fill_f32(nk::best_kernels().normal_f32, n_f, seed, 0);
    auto zd = fill_f64(nk::best_kernels().normal_f64, n_d, seed, 0);
    const long double two_pi = 6.283185307179586476925286766559L;
    double worst_f = 0.0, worst_d = 0.0;
    for (int64_t i = 0; i < n_f; ++i) {
      uint32_t x[4];
      const int64_t g = i / 32, part = (i % 32) / 8, b = i % 8;
      block_words(seed, static_cast<uint64_t>(g * 8 + b), x);
      const uint32_t xa = x[part < 2 ? 0 : 2], xb = x[part < 2 ? 1 : 3];
      const float u1 = static_cast<float>(xa >> 8) * 0x1p-24f +
                       static_cast<float>((((xa & 255u) << 8) | (xb & 255u)) + 1u) * 0x1p-40f;
      const long double r = std::sqrt(-2.0L * std::log(static_cast<long double>(u1)));
      const long double t = two_pi * static_cast<long double>(xb >> 8) * 0x1p-24L;
      const long double z = r * (part % 2 == 0 ? std::cos(t) : std::sin(t));
      worst_f = std::max(worst_f, static_cast<double>(std::fabs(zf[static_cast<size_t>(i)] - z) / std::max(r, 1e-3L)));
    }
    for (int64_t i = 0; i < n_d; ++i) {
      uint32_t x[4];
      const int64_t g = i / 8, part = (i % 8) / 4, b = i % 4;
      block_words(seed, static_cast<uint64_t>(g * 4 + b), x);
      const double u1 = 1.0 - (static_cast<double>(x[0]) * 0x1p-32 + static_cast<double>(x[1] >> 11) * 0x1p-53);
      const uint64_t k = ((static_cast<uint64_t>(x[2]) << 32) | x[3]) >> 11;
      const long double r = std::sqrt(-2.0L * std::log(static_cast<long double>(u1)));
      const long double t = two_pi * static_cast<long double>(k) * 0x1p-53L;
      const long double z = r * (part == 0 ? std::cos(t) : std::sin(t));
      worst_d = std::max(worst_d, static_cast<double>(std::fabs(zd[static_cast<size_t>(i)] - z) / std::max(r, 1e-3L)));
    }
    MESSAGE("worst error / r: float " << worst_f << ", double " << worst_d);
    CHECK(worst_f < 3e-7);
    CHECK(worst_d < 5e-16);
  }

  TEST_CASE("noise: generic and AVX2 kernels agree") {
    const nk::FillKernels* avx2 = nk::avx2_kernels();
    if (!avx2) {
      MESSAGE("no AVX2 on this CPU/build: skipped");
      return;
    }
    const nk::FillKernels& generic = nk::generic_kernels();
    const int64_t n = 100003;
    for (uint64_t seed : {uint64_t{0}, uint64_t{7}, ~uint64_t{0}}) {
      auto a = fill_f32(generic.normal_f32, n, seed, 12345);
      auto b = fill_f32(avx2->normal_f32, n, seed, 12345);
      auto c = fill_f64(generic.normal_f64, n, seed, 12345);
      auto d = fill_f64(avx2->normal_f64, n, seed, 12345);
      auto e = fill_f32(generic.uniform_f32, n, seed, 12345);
      auto f = fill_f32(avx2->uniform_f32, n, seed, 12345);
      auto g = fill_f64(generic.uniform_f64, n, seed, 12345);
      auto h = fill_f64(avx2->uniform_f64, n, seed, 12345);
      double worst_f = 0.0, worst_d = 0.0;
      for (size_t i = 0; i < a.size(); ++i) {
        worst_f = std::max(worst_f, static_cast<double>(std::fabs(a[i] - b[i])));
        worst_d = std::max(worst_d, std::fabs(c[i] - d[i]));
      }
      CHECK(worst_f <= 1e-5);
      CHECK(worst_d <= 1e-12);
      CHECK(e == f);
      CHECK(g == h);
#if !defined(__FMA__)
      // Without FMA contraction in the generic file (baseline x86-64), the kernels agree bit for bit.
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(c.data(), d.data(), c.size() * sizeof(double)) == 0);
#endif
    }
  }

  TEST_CASE("noise: reproducible by seed; successive calls and seeds differ") {
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
      NoiseSource a(42, torch::kCPU), b(42, torch::kCPU), c(43, torch::kCPU);
      auto a1 = a.normal({64, 729}, dtype), a2 = a.normal({64, 729}, dtype);
      auto b1 = b.normal({64, 729}, dtype), b2 = b.normal({64, 729}, dtype);
      auto c1 = c.normal({64, 729}, dtype);
      CHECK(torch::equal(a1, b1));
      CHECK(torch::equal(a2, b2));
      CHECK(!torch::equal(a1, a2));
      CHECK(!torch::equal(a1, c1));
      CHECK((a1 == a2).sum().item<int64_t>() < 10);
      CHECK((a1 == c1).sum().item<int64_t>() < 10);
      CHECK(a.seed() == 42);
      CHECK(a.draws() == 2 * nk::blocks_for(64 * 729, dtype == torch::kDouble));
      CHECK(a1.dtype() == dtype);
      CHECK(a1.sizes() == torch::IntArrayRef({64, 729}));
      CHECK(a1.is_contiguous());
      auto u1 = a.uniform({1000}, dtype), u2 = b.uniform({1000}, dtype);
      CHECK(torch::equal(u1, u2));
      CHECK(a.draws() == b.draws());
    }
  }

  TEST_CASE("noise: the same values for 1 and 2 threads, and for one unchunked fill") {
    const int before = at::get_num_threads();  // NoiseSource's OpenMP loop uses at::get_num_threads()
    const int64_t n = 3 * 65536 + 1001;         // above the 64k chunk, with a ragged last chunk
    at::set_num_threads(1);
    NoiseSource one(5, torch::kCPU);
    auto f1 = one.normal({n}, torch::kFloat), d1 = one.normal({n}, torch::kDouble);
    auto uf1 = one.uniform({n}, torch::kFloat), ud1 = one.uniform({n}, torch::kDouble);
    at::set_num_threads(2);
    NoiseSource two(5, torch::kCPU);
    auto f2 = two.normal({n}, torch::kFloat), d2 = two.normal({n}, torch::kDouble);
    auto uf2 = two.uniform({n}, torch::kFloat), ud2 = two.uniform({n}, torch::kDouble);
    at::set_num_threads(before);
    CHECK(torch::equal(f1, f2));
    CHECK(torch::equal(d1, d2));
    CHECK(torch::equal(uf1, uf2));
    CHECK(torch::equal(ud1, ud2));
    auto whole = fill_f32(nk::best_kernels().normal_f32, n, 5, 0);
    CHECK(std::memcmp(whole.data(), f1.data_ptr<float>(), whole.size() * sizeof(float)) == 0);
    auto whole_d = fill_f64(nk::best_kernels().normal_f64, n, 5, nk::blocks_for(n, false));
    CHECK(std::memcmp(whole_d.data(), d1.data_ptr<double>(), whole_d.size() * sizeof(double)) == 0);
  }

  TEST_CASE("noise: moments, pair independence and Kolmogorov-Smirnov of the normals") {
    NoiseSource noise(2024, torch::kCPU);
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
      CAPTURE(dtype);
      auto z = noise.normal({1000000}, dtype);
      const Moments m = moments(z);
      CHECK(std::fabs(m.mean) < 0.005);
      CHECK(std::fabs(m.variance - 1.0) < 0.01);
      CHECK(std::fabs(m.skewness) < 0.03);
      CHECK(std::fabs(m.excess_kurtosis) < 0.03);
      // The two normals of a Box-Muller pair are independent: their squares are uncorrelated.
      const int64_t half = dtype == torch::kFloat ? 8 : 4;
      auto grouped = z.to(torch::kDouble).view({-1, 2, half});
      auto a = grouped.select(1, 0).pow(2).flatten(), b = grouped.select(1, 1).pow(2).flatten();
      const double corr = ((a - a.mean()) * (b - b.mean())).mean().item<double>() / (a.std(false) * b.std(false)).item<double>();
      CHECK(std::fabs(corr) < 0.01);
      const double d = ks_normal(noise.normal({100000}, dtype));
      CHECK(d < 1.6276 / std::sqrt(100000.0));  // 1% critical value
    }
  }

  TEST_CASE("noise: uniforms lie in (0, 1) with mean 1/2 and no lag-1 correlation") {
    NoiseSource noise(11, torch::kCPU);
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
      CAPTURE(dtype);
      auto u = noise.uniform({1000000}, dtype);
      CHECK(u.min().item<double>() > 0.0);
      CHECK(u.max().item<double>() < 1.0);
      CHECK(std::fabs(u.mean().item<double>() - 0.5) < 0.002);
      CHECK(std::fabs(u.to(torch::kDouble).var(false).item<double>() - 1.0 / 12) < 0.001);
      CHECK(std::fabs(lag1_autocorrelation(u)) < 0.005);
      // Lag 8 and 32 cross groups and words of a block.
      auto x = u.to(torch::kDouble);
      for (int64_t lag : {8, 32}) {
        auto d = x - x.mean();
        const double r = (d.slice(0, 0, -lag) * d.slice(0, lag)).mean().item<double>() / d.pow(2).mean().item<double>();
        CHECK(std::fabs(r) < 0.005);
      }
    }
  }

  TEST_CASE("noise: no NaN or Inf in 1e7 normals; bounded tails") {
    NoiseSource noise(123456789, torch::kCPU);
    auto z = noise.normal({10000000}, torch::kFloat);
    CHECK(torch::isfinite(z).all().item<bool>());
    CHECK(z.abs().max().item<double>() <= 7.46);
    auto zd = noise.normal({1000000}, torch::kDouble);
    CHECK(torch::isfinite(zd).all().item<bool>());
    CHECK(zd.abs().max().item<double>() <= 8.6);
  }

  TEST_CASE("noise: odd sizes, memory formats, other dtypes, requires_grad, bad requests") {
    NoiseSource noise(3, torch::kCPU);
    for (int64_t n : {1, 3, 7}) {
      for (auto dtype : {torch::kFloat, torch::kDouble}) {
        auto z = noise.normal({n}, dtype);
        CHECK(z.numel() == n);
        CHECK(torch::isfinite(z).all().item<bool>());
        auto u = noise.uniform({n, 1}, dtype);
        CHECK(u.sizes() == torch::IntArrayRef({n, 1}));
        CHECK(u.min().item<double>() > 0.0);
      }
    }
    const uint64_t before = noise.draws();
    CHECK(noise.normal({0, 5}, torch::kFloat).numel() == 0);
    CHECK(noise.draws() == before);
    CHECK(noise.normal({}, torch::kFloat).dim() == 0);

    // A channels-last request is dense but not contiguous; every element is filled.
    auto cl = noise.normal({4, 3, 5, 7}, torch::TensorOptions().dtype(torch::kFloat).memory_format(at::MemoryFormat::ChannelsLast));
    CHECK(cl.is_contiguous(at::MemoryFormat::ChannelsLast));
    CHECK(!cl.is_contiguous());
    CHECK(torch::isfinite(cl).all().item<bool>());
    CHECK((cl == 0).sum().item<int64_t>() == 0);
    // Slices of a drawn tensor are ordinary views.
    auto strided = noise.normal({16, 16}, torch::kDouble).t().slice(0, 0, 16, 3);
    CHECK(!strided.is_contiguous());
    CHECK(torch::isfinite(strided).all().item<bool>());

    auto h = noise.normal({1000}, torch::kHalf);
    CHECK(h.dtype() == torch::kHalf);
    CHECK(std::fabs(h.to(torch::kFloat).mean().item<double>()) < 0.15);
    auto bf = noise.uniform({1000}, torch::kBFloat16);
    CHECK(bf.dtype() == torch::kBFloat16);
    auto g = noise.normal({5}, torch::TensorOptions().dtype(torch::kFloat).requires_grad(true));
    CHECK(g.requires_grad());

    CHECK_THROWS_AS(noise.normal({3}, torch::kInt), std::invalid_argument);
    CHECK_THROWS_AS(noise.uniform({3}, torch::kLong), std::invalid_argument);
    CHECK_THROWS_AS(noise.normal({3}, torch::TensorOptions().dtype(torch::kFloat).device(torch::kCUDA)),
                    std::invalid_argument);
  }
}
