#include "python_energy.h"

#include <torch/csrc/autograd/python_variable.h>

#include <utility>

namespace ebm::python {

namespace {

std::string python_name(const py::object& object) {
  if (py::hasattr(object, "__name__")) return py::str(object.attr("__name__"));
  return py::str(py::type::of(object).attr("__name__"));
}

py::object condition_argument(const torch::Tensor& condition) {
  return condition.defined() ? py::cast(condition) : py::none();
}

// The callable's result as a tensor, or TypeError naming what came back instead.
torch::Tensor tensor_result(const py::object& result, const std::string& who, const char* call) {
  if (!THPVariable_Check(result.ptr())) {
    throw py::type_error(who + ": " + call + " must return a torch.Tensor, got " + python_name(py::type::of(result)));
  }
  return py::cast<torch::Tensor>(result);
}

}  // namespace

SharedPyObject share(py::object object) {
  return SharedPyObject(new py::object(std::move(object)), [](py::object* released) {
    py::gil_scoped_acquire gil;
    delete released;
  });
}

PythonEnergy::PythonEnergy(py::object callable)
    : Energy("PythonEnergy"), description_("python:" + python_name(callable)) {
  if (!PyCallable_Check(callable.ptr())) throw py::type_error("ebm.minimize: energy must be callable(condition, y)");
  callable_ = share(std::move(callable));
}

torch::Tensor PythonEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  py::gil_scoped_acquire gil;
  py::object result = (*callable_)(condition_argument(condition), answer);
  torch::Tensor energy = tensor_result(result, "ebm.minimize", "energy(condition, y)");
  if (energy.dim() != 1 || energy.size(0) != answer.size(0)) {
    throw py::value_error("ebm.minimize: energy(condition, y) must return shape [" + std::to_string(answer.size(0)) +
                          "] (one energy per candidate), got " + c10::str(energy.sizes()));
  }
  return energy;
}

Verifier python_verifier(py::object callable) {
  if (!PyCallable_Check(callable.ptr())) {
    throw py::type_error("ebm.minimize: verifier must be callable(decoded, problem_index)");
  }
  SharedPyObject shared = share(std::move(callable));
  return [shared](const torch::Tensor& decoded, const torch::Tensor& problem_index) {
    py::gil_scoped_acquire gil;
    py::object result = (*shared)(decoded, problem_index);
    torch::Tensor accepted = tensor_result(result, "ebm.minimize", "verifier(decoded, problem_index)");
    if (accepted.dim() != 1 || accepted.size(0) != decoded.size(0)) {
      throw py::value_error("ebm.minimize: verifier(decoded, problem_index) must return shape [" +
                            std::to_string(decoded.size(0)) + "], got " + c10::str(accepted.sizes()));
    }
    return accepted.to(torch::kBool);
  };
}

}  // namespace ebm::python
