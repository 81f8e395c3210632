#include "local_launcher.h"

#include "ebm/distributed.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <stdexcept>
#include <thread>

namespace ebm::cli {

namespace {

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

std::vector<std::string> rank_arguments(const std::vector<std::string>& arguments, const std::string& option,
                                        int processes, int rank, const std::string& master) {
  std::vector<std::string> out;
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i] == option) {
      ++i;  // and its value
      continue;
    }
    if (arguments[i].rfind(option + "=", 0) == 0) continue;
    out.push_back(arguments[i]);
  }
  for (const std::string& extra :
       {std::string("--world-size"), std::to_string(processes), std::string("--rank"), std::to_string(rank),
        std::string("--master"), master})
    out.push_back(extra);
  return out;
}

pid_t start_rank(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(system_error("cannot start a rank"));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // the launcher died before prctl took effect
    execv("/proc/self/exe", argv.data());
    std::cerr << system_error("ebm: cannot run /proc/self/exe") << std::endl;
    _exit(127);
  }
  return pid;
}

// "exited with status 1", "was killed by signal 9 (Killed)"; `code` gets the status to pass on.
std::string outcome(int status, int& code) {
  if (WIFEXITED(status)) {
    code = WEXITSTATUS(status);
    return "exited with status " + std::to_string(code);
  }
  const int signal_number = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  code = 128 + signal_number;
  return "was killed by signal " + std::to_string(signal_number) + " (" + strsignal(signal_number) + ")";
}

// SIGTERM to every rank still running, SIGKILL to those left after `grace`; reaps them all.
void stop_ranks(std::map<pid_t, int>& running, std::chrono::seconds grace) {
  for (const auto& [pid, rank] : running) kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!running.empty()) {
    if (std::chrono::steady_clock::now() >= deadline)
      for (const auto& [pid, rank] : running) kill(pid, SIGKILL);
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      running.erase(pid);
    } else if (pid < 0 && errno != EINTR) {
      break;  // no children left
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace

int launch_local_ranks(const std::vector<std::string>& arguments, const std::string& option, int processes,
                       std::ostream& log, std::ostream& errors) {
  const std::string master = "127.0.0.1:" + std::to_string(free_loopback_port());
  std::map<pid_t, int> running;  // pid -> rank
  std::string pids;
  log.flush();
  errors.flush();
  std::cout.flush();
  std::cerr.flush();
  for (int rank = 0; rank < processes; ++rank) {
    pid_t pid = 0;
    try {
      pid = start_rank(rank_arguments(arguments, option, processes, rank, master));
    } catch (const std::exception&) {
      stop_ranks(running, std::chrono::seconds(5));
      throw;
    }
    running[pid] = rank;
    pids += (rank ? ", rank " : "rank ") + std::to_string(rank) + ": pid " + std::to_string(pid);
  }
  log << "launching " << processes << " local ranks at " << master << " (" << pids << ")" << std::endl;
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(system_error("waiting for the ranks"));
    }
    const auto found = running.find(pid);
    if (found == running.end()) continue;
    const int rank = found->second;
    running.erase(found);
    int code = 0;
    const std::string what = outcome(status, code);
    if (code == 0) continue;
    errors << "ebm: rank " << rank << " (pid " << pid << ") " << what
           << (running.empty() ? "" : "; stopping the other ranks") << std::endl;
    stop_ranks(running, std::chrono::seconds(5));
    return code;
  }
  return 0;
}

}  // namespace ebm::cli
