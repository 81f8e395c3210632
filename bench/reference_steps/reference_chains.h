// Hand-fused reference steps of the tasks' default samplers (issue 19, item 1), behind one interface so
// that `ebm bench chains` can time them beside the driver on the same problem, chains and steps.
//
// Each reference runs the arithmetic of its task's default sampler on its default energy (the header
// of each states which), one pass over each chain's memory per step, no LibTorch: the yardstick of
// what one CPU thread can do. None is a solver; none is used to solve.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace ebm::reference_steps {

class ReferenceChains {
 public:
  virtual ~ReferenceChains() = default;
  // `steps` more steps of every chain still running.
  virtual void run(int64_t steps) = 0;
  virtual int64_t chains_verified() const = 0;
  // Mean energy of the chains after the last step (a checksum that the arithmetic ran).
  virtual double mean_energy() const = 0;
};

// The reference for `task`'s default sampler on one problem, given as the task's own file text
// (Task::write_problems of one problem): sudoku (standard units; variants get none), sat (DIMACS CNF) and
// coloring (DIMACS graph, the colours from its "K colours asked" comment); nullptr for other tasks.
// Throws std::invalid_argument when the text is not one problem of that task.
std::unique_ptr<ReferenceChains> make_reference_chains(const std::string& task, const std::string& problem_text,
                                                       int64_t chains, uint64_t seed);

}  // namespace ebm::reference_steps
