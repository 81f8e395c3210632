// Data-parallel training over LibTorch's c10d: the few collective operations a training loop needs
// (ebm/trainer.h's run_training uses them), task-neutral and free of c10d types in this header.
//
// A group is `world_size` processes, one per rank 0 .. world_size - 1. They meet at rank 0's
// rendezvous store (a c10d::TCPStore that rank 0 serves at the master ADDR:PORT), then talk through
//   gloo  on CPU devices (Debian's LibTorch has it; the headers come with libgloo-dev),
//   nccl  on CUDA devices, when this build's LibTorch has NCCL (else a clear error).
// Gloo binds to the master's address when that is a loopback address (one machine), to the
// interface named by GLOO_SOCKET_IFNAME when set, and otherwise to the address this machine's host
// name resolves to.
//
// Failure, never a hang: every operation is bounded by `timeout`. A peer that exits (killed,
// crashed, failed) closes its connections and the others fail at their next operation, at once; a
// peer that stops answering fails them after `timeout`. Either way they throw DistributedError, whose
// message names this rank, the operation and the transport's reason, e.g.
//   "rank 0 of 2 lost contact with the other ranks during the gradient all-reduce (a process exited
//    or did not answer within 60 s): Connection closed by peer [127.0.0.1]:41234".
// The one deliberate exception is run_on_lead(): while rank 0 validates and writes checkpoints the
// other ranks wait for as long as rank 0's process answers (its store), since validation may take
// longer than `timeout`; a dead rank 0 still ends them at once.
//
// A group of world_size 1 is a no-op stand-in: no c10d, no network; every operation returns at once
// with this process's own values. The loop runs the same code either way.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace ebm {

class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "HOST:PORT" (an IPv6 host in brackets: "[::1]:29500"); port 1 .. 65535.
struct MasterAddress {
  std::string host;
  uint16_t port = 0;
  std::string text() const;  // "127.0.0.1:29500", "[::1]:29500"
};
// Throws std::invalid_argument naming the problem ("master '127.0.0.1' is not HOST:PORT: no ':PORT'").
MasterAddress parse_master_address(const std::string& text);

// A TCP port on 127.0.0.1 that the kernel reported free a moment ago (bound to port 0, released), for
// a group on one machine. Throws DistributedError when no socket can be had.
uint16_t free_loopback_port();

// Who joins and how long a peer may stay silent.
struct DataParallelSettings {
  int world_size = 1;             // processes; 1 = not distributed
  int rank = 0;                   // this process, in [0, world_size)
  std::string master;             // HOST:PORT of rank 0's store (world_size > 1)
  double timeout_seconds = 60;    // joining, and every collective operation; > 0
  torch::Device device = torch::kCPU;  // CPU: gloo; CUDA: nccl
  // Throws std::invalid_argument naming the bad field: world_size >= 1, rank in [0, world_size),
  // master parses (when world_size > 1), timeout > 0.
  void validate() const;
};

// What the ranks agreed on after one step's gradients were averaged.
struct StepAgreement {
  double loss = 0;    // the mean of the ranks' losses: with equal-weight shards, the global batch's loss
  bool stop = false;  // some rank asked to stop after this step
};

class DataParallelGroup {
 public:
  // Joins the group: validates `settings`, rank 0 starts the store at master, all wait until every
  // rank has joined (at most timeout). Throws std::invalid_argument for bad settings and
  // DistributedError when the group cannot be formed (port taken, a rank never came, no NCCL).
  explicit DataParallelGroup(const DataParallelSettings& settings);
  ~DataParallelGroup();
  DataParallelGroup(const DataParallelGroup&) = delete;
  DataParallelGroup& operator=(const DataParallelGroup&) = delete;

  int rank() const { return settings_.rank; }
  int world_size() const { return settings_.world_size; }
  bool lead() const { return settings_.rank == 0; }  // rank 0: validates, checkpoints, logs
  std::string backend() const;                       // "gloo", "nccl"; "none" for world_size 1
  // "rank 0 of 2 via gloo at 127.0.0.1:29500".
  std::string describe() const;

  // Makes every rank start where rank 0 starts: copies rank 0's parameters and buffers into every
  // rank's module, rank 0's optimizer state (as torch::save writes it) into every optimizer, and
  // returns rank 0's `step`. After a resume that only rank 0 performed, all ranks are identical.
  int64_t share_start(torch::nn::Module& module, torch::optim::Optimizer& optimizer, int64_t step);

  // After loss.backward(): replaces every defined gradient of `module` by its mean over the ranks
  // (one all-reduce of one flat buffer, in the dtype of the first gradient; gradients left undefined
  // stay undefined), and in the same operation averages `loss` and ORs the ranks' `stop` votes.
  StepAgreement average_step(torch::nn::Module& module, double loss, bool stop);

  // Runs `work` on rank 0 only (validation, checkpoint, resume) while the other ranks wait for it.
  // When `work` throws on rank 0, rank 0 rethrows and the others throw DistributedError("rank 0
  // failed during WHAT: ..."). `what` names the work in messages.
  void run_on_lead(const std::string& what, const std::function<void()>& work);

 private:
  struct Connection;  // the c10d store and process group (distributed.cpp)
  DataParallelSettings settings_;
  std::unique_ptr<Connection> connection_;  // null for world_size 1
  int64_t lead_runs_ = 0;                   // run_on_lead calls so far: names their store keys
};

}  // namespace ebm
