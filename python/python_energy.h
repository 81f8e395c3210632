// Energies and verifiers written in Python, as the C++ driver sees them.
//
// PythonEnergy wraps a Python callable (usually a torch.nn.Module): forward(condition, y) acquires the
// GIL, calls `callable(condition, y)` (condition None when the run has none) and returns its [B] tensor.
// Gradients come from autograd through the Python ops (ebm::energy_and_gradient). The driver runs with
// the GIL released; every touch of a Python object here re-acquires it.
//
// Errors: a Python exception raised by the callable leaves forward() as py::error_already_set, which
// run_sampler does not catch, so the binding re-raises the original Python exception. A result that is
// not a tensor raises TypeError; one that is not [B] raises ValueError.
#pragma once

#include "ebm/energy.h"
#include "ebm/samplers/driver.h"

#include <torch/csrc/utils/pybind.h>

#include <memory>
#include <string>

namespace ebm::python {

namespace py = pybind11;

// A Python object that C++ may copy without the GIL: copies share one reference, and the last one
// releases it under the GIL.
using SharedPyObject = std::shared_ptr<py::object>;
SharedPyObject share(py::object object);

class PythonEnergy : public Energy {
 public:
  // Call with the GIL held. `callable(condition, y)` must return a [B] tensor.
  explicit PythonEnergy(py::object callable);

  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  std::string describe() const override { return description_; }  // "python:ClassName"

 private:
  SharedPyObject callable_;
  std::string description_;
};

// A driver Verifier calling `callable(decoded, problem_index)` under the GIL; it must return [n] bools
// (anything torch can turn into them: a bool tensor, 0/1 values).
Verifier python_verifier(py::object callable);

}  // namespace ebm::python
