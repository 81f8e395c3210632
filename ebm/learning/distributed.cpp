#include "ebm/distributed.h"

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/serialize.h>
#include <torch/torch.h>
#if defined(USE_C10D_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(USE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <vector>

namespace ebm {

namespace {

// The reason inside an exception from c10d or Gloo: its first line, without c10's backtrace and
// without Gloo's "[path/to/source.cc:123] " prefix.
std::string reason_of(const std::exception& error) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&error);
  std::string text = c10_error ? c10_error->what_without_backtrace() : error.what();
  text = text.substr(0, text.find('\n'));
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find("] ");
    if (close != std::string::npos && text.find(".cc:") < close) text = text.substr(close + 2);
  }
  return text;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

// ---- addresses and settings --------------------------------------------------------------------

std::string MasterAddress::text() const {
  const bool bracket = host.find(':') != std::string::npos;
  return (bracket ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

MasterAddress parse_master_address(const std::string& text) {
  auto refuse = [&text](const std::string& why) {
    throw std::invalid_argument("master '" + text + "' is not HOST:PORT: " + why);
  };
  MasterAddress address;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) refuse("an IPv6 host in brackets must be followed by :PORT");
    address.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) refuse("no ':PORT'");
    address.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (address.host.find(':') != std::string::npos) refuse("write an IPv6 host in brackets, [::1]:29500");
  }
  if (address.host.empty()) refuse("no host");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    refuse("the port must be a number from 1 to 65535");
  const long number = std::stol(port);
  if (number < 1 || number > 65535) refuse("the port must be a number from 1 to 65535");
  address.port = static_cast<uint16_t>(number);
  return address;
}

uint16_t free_loopback_port() {
  auto failure = [] { return DistributedError(std::string("cannot find a free port: ") + std::strerror(errno)); };
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw failure();
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (!ok) {
    const DistributedError error = failure();
    close(fd);
    throw error;
  }
  close(fd);
  return ntohs(address.sin_port);
}

void DataParallelSettings::validate() const {
  auto require = [](bool ok, const std::string& problem) {
    if (!ok) throw std::invalid_argument(problem);
  };
  require(world_size >= 1, "world size must be >= 1, got " + std::to_string(world_size));
  require(rank >= 0 && rank < world_size,
          "rank must be in [0, " + std::to_string(world_size) + "), got " + std::to_string(rank));
  require(timeout_seconds > 0 && std::isfinite(timeout_seconds),
          "distributed timeout must be > 0 seconds, got " + std::to_string(timeout_seconds));
  if (world_size > 1) {
    require(!master.empty(), "a world size above 1 needs the master's HOST:PORT");
    parse_master_address(master);
  }
}

// ---- the connection ------------------------------------------------------------------------------

namespace {

// The two collectives the group uses, over whichever c10d class holds them (ProcessGroup in LibTorch
// 1.13, Backend in 2.x: both have these signatures).
struct Collectives {
  virtual ~Collectives() = default;
  virtual void all_reduce_sum(torch::Tensor& tensor) = 0;
  virtual void broadcast_from_lead(torch::Tensor& tensor) = 0;
};

template <typename Group>
struct C10dCollectives : Collectives {
  explicit C10dCollectives(c10::intrusive_ptr<Group> group) : group(std::move(group)) {}
  void all_reduce_sum(torch::Tensor& tensor) override {
    std::vector<torch::Tensor> tensors = {tensor};
    group->allreduce(tensors)->wait();
  }
  void broadcast_from_lead(torch::Tensor& tensor) override {
    std::vector<torch::Tensor> tensors = {tensor};
    c10d::BroadcastOptions options;
    options.rootRank = 0;
    group->broadcast(tensors, options)->wait();
  }
  c10::intrusive_ptr<Group> group;
};

#if defined(USE_C10D_GLOO)
std::shared_ptr<::gloo::transport::Device> gloo_device(const MasterAddress& master) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  if (is_loopback(master.host)) return c10d::ProcessGroupGloo::createDeviceForHostname(master.host);
  return c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

std::unique_ptr<Collectives> connect(const c10::intrusive_ptr<c10d::Store>& store, const DataParallelSettings& s,
                                     const MasterAddress& master, std::chrono::milliseconds timeout) {
  if (s.device.is_cuda()) {
#if defined(USE_C10D_NCCL)
    // Without blocking waits an NCCL collective with a dead peer never returns.
    setenv("NCCL_BLOCKING_WAIT", "1", /*overwrite=*/0);
    setenv("TORCH_NCCL_BLOCKING_WAIT", "1", /*overwrite=*/0);
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    return std::make_unique<C10dCollectives<c10d::ProcessGroupNCCL>>(
        c10::make_intrusive<c10d::ProcessGroupNCCL>(store, s.rank, s.world_size, options));
#else
    throw DistributedError("data-parallel training on " + s.device.str() +
                           " needs NCCL, and this build's LibTorch has no c10d NCCL backend (rebuild against a "
                           "CUDA LibTorch with NCCL, or train on --device cpu over Gloo)");
#endif
  }
#if defined(USE_C10D_GLOO)
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  options->devices.push_back(gloo_device(master));
  return std::make_unique<C10dCollectives<c10d::ProcessGroupGloo>>(
      c10::make_intrusive<c10d::ProcessGroupGloo>(store, s.rank, s.world_size, options));
#else
  (void)store;
  (void)master;
  throw DistributedError(
      "data-parallel training on the CPU needs c10d's Gloo backend, and this build has none: install the Gloo "
      "headers (Debian: libgloo-dev, which scripts/install-deps.sh installs) and reconfigure the build");
#endif
}

}  // namespace

struct DataParallelGroup::Connection {
  MasterAddress master;
  std::string backend;
  c10::intrusive_ptr<c10d::TCPStore> store;
  std::unique_ptr<Collectives> collectives;
};

DataParallelGroup::DataParallelGroup(const DataParallelSettings& settings) : settings_(settings) {
  settings_.validate();
  if (settings_.world_size == 1) return;
  connection_ = std::make_unique<Connection>();
  connection_->master = parse_master_address(settings_.master);
  connection_->backend = settings_.device.is_cuda() ? "nccl" : "gloo";
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(settings_.timeout_seconds * 1000)));
  try {
    c10d::TCPStoreOptions options;
    options.port = connection_->master.port;
    options.isServer = lead();
    options.numWorkers = static_cast<size_t>(settings_.world_size);
    options.waitWorkers = true;
    options.timeout = timeout;
    connection_->store = c10::make_intrusive<c10d::TCPStore>(connection_->master.host, options);
    connection_->collectives = connect(connection_->store, settings_, connection_->master, timeout);
  } catch (const DistributedError&) {
    throw;
  } catch (const std::exception& error) {
    throw DistributedError(describe() + " could not form the group within " + c10::str(settings_.timeout_seconds, " s") +
                           " (is every rank started, with the same --world-size and --master, and is the port free?): " +
                           reason_of(error));
  }
}

DataParallelGroup::~DataParallelGroup() = default;

std::string DataParallelGroup::backend() const { return connection_ ? connection_->backend : "none"; }

std::string DataParallelGroup::describe() const {
  std::string text = "rank " + std::to_string(rank()) + " of " + std::to_string(world_size());
  if (connection_) text += " via " + connection_->backend + " at " + connection_->master.text();
  return text;
}

namespace {

// Runs one collective step of `group`, turning a transport failure into the DistributedError the
// header promises.
template <typename Work>
void guarded(const DataParallelGroup& group, double timeout_seconds, const std::string& operation, Work&& work) {
  try {
    work();
  } catch (const DistributedError&) {
    throw;
  } catch (const std::exception& error) {
    throw DistributedError(group.describe() + " lost contact with the other ranks during " + operation +
                           " (a process exited or did not answer within " + c10::str(timeout_seconds, " s") +
                           "): " + reason_of(error));
  }
}

std::string optimizer_bytes(torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

void load_optimizer_bytes(torch::optim::Optimizer& optimizer, const std::string& bytes) {
  torch::serialize::InputArchive archive;
  archive.load_from(bytes.data(), bytes.size());
  optimizer.load(archive);
}

}  // namespace

int64_t DataParallelGroup::share_start(torch::nn::Module& module, torch::optim::Optimizer& optimizer, int64_t step) {
  if (!connection_) return step;
  Collectives& collectives = *connection_->collectives;
  const auto on_device = torch::TensorOptions().device(settings_.device);
  guarded(*this, settings_.timeout_seconds, "the start broadcast (weights, optimizer state, step)", [&] {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> tensors = module.parameters();
    for (const auto& buffer : module.buffers()) tensors.push_back(buffer);
    for (auto& tensor : tensors) {
      if (!tensor.defined()) continue;
      torch::Tensor copy = tensor.contiguous();
      collectives.broadcast_from_lead(copy);
      if (!copy.is_same(tensor)) tensor.copy_(copy);
    }
    const std::string bytes = lead() ? optimizer_bytes(optimizer) : std::string();
    torch::Tensor header = torch::tensor({step, static_cast<int64_t>(bytes.size())}, on_device.dtype(torch::kLong));
    collectives.broadcast_from_lead(header);
    const auto header_values = header.cpu();
    step = header_values[0].item<int64_t>();
    torch::Tensor payload = torch::empty({header_values[1].item<int64_t>()}, on_device.dtype(torch::kUInt8));
    if (lead()) payload.copy_(torch::from_blob(const_cast<char*>(bytes.data()), {payload.numel()}, torch::kUInt8));
    collectives.broadcast_from_lead(payload);
    if (!lead()) {
      const torch::Tensor received = payload.cpu();
      load_optimizer_bytes(optimizer, std::string(static_cast<const char*>(received.data_ptr()), received.numel()));
    }
  });
  return step;
}

StepAgreement DataParallelGroup::average_step(torch::nn::Module& module, double loss, bool stop) {
  if (!connection_) return {loss, stop};
  std::vector<torch::Tensor> gradients;
  for (const auto& parameter : module.parameters())
    if (parameter.grad().defined()) gradients.push_back(parameter.grad());
  const auto options = torch::TensorOptions()
                           .dtype(gradients.empty() ? torch::kFloat : gradients.front().scalar_type())
                           .device(settings_.device);
  std::vector<torch::Tensor> pieces;
  for (const auto& gradient : gradients) pieces.push_back(gradient.reshape({-1}).to(options));
  pieces.push_back(torch::tensor({loss, stop ? 1.0 : 0.0}, options));
  torch::Tensor flat = torch::cat(pieces);
  guarded(*this, settings_.timeout_seconds, "the gradient all-reduce",
          [&] { connection_->collectives->all_reduce_sum(flat); });
  flat.div_(static_cast<double>(settings_.world_size));
  int64_t offset = 0;
  for (auto& gradient : gradients) {
    gradient.copy_(flat.narrow(0, offset, gradient.numel()).view_as(gradient));
    offset += gradient.numel();
  }
  const auto tail = flat.narrow(0, offset, 2).to(torch::kCPU, torch::kDouble);
  return {tail[0].item<double>(), tail[1].item<double>() > 0};
}

void DataParallelGroup::run_on_lead(const std::string& what, const std::function<void()>& work) {
  if (!connection_) {
    work();
    return;
  }
  c10d::TCPStore& store = *connection_->store;
  const std::string key = "ebm/lead/" + std::to_string(lead_runs_++);
  if (lead()) {
    try {
      work();
    } catch (const std::exception& error) {
      try {
        // Tell the others, and give them up to the timeout to read it before this process (and the
        // store it serves) goes away.
        const std::string message = "failed: " + reason_of(error);
        store.set(key, std::vector<uint8_t>(message.begin(), message.end()));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(settings_.timeout_seconds);
        while (store.add(key + "/read", 0) < world_size() - 1 && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } catch (const std::exception&) {
        // The others will see rank 0 gone instead; the original error is the one to report.
      }
      throw;
    }
    guarded(*this, settings_.timeout_seconds, what, [&] { store.set(key, {'o', 'k'}); });
  } else {
    // Polled with check() rather than a store wait with a timeout: an abandoned wait would leave
    // its answer in the store connection. check() fails at once when rank 0's process is gone.
    std::vector<uint8_t> answer;
    try {
      while (!store.check({key})) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      answer = store.get(key);
      store.add(key + "/read", 1);
    } catch (const std::exception& error) {
      throw DistributedError(describe() + " lost contact with rank 0 while it ran " + what + ": " + reason_of(error));
    }
    const std::string text(answer.begin(), answer.end());
    const std::string failed = "failed: ";
    if (text.rfind(failed, 0) == 0) throw DistributedError("rank 0 failed during " + what + ": " + text.substr(failed.size()));
  }
  // Every rank has seen the outcome before any goes on (and before rank 0 may exit and take the store).
  guarded(*this, settings_.timeout_seconds, "the barrier after " + what, [&] {
    torch::Tensor token = torch::zeros({1}, torch::TensorOptions().device(settings_.device));
    connection_->collectives->all_reduce_sum(token);
  });
}

}  // namespace ebm
