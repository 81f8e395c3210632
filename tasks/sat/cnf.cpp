#include "tasks/sat/cnf.h"

#include "ebm/task.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <istream>
#include <ostream>
#include <sstream>

namespace ebm::sat {

size_t Formula::max_clause_length() const {
  size_t longest = 0;
  for (const auto& clause : clauses) longest = std::max(longest, clause.size());
  return longest;
}

namespace {

[[noreturn]] void fail(const std::string& source, int64_t line, const std::string& what) {
  throw TaskInputError(source + ":" + std::to_string(line) + ": " + what);
}

bool parse_integer(const std::string& token, int64_t* value) {
  char* end = nullptr;
  errno = 0;
  const long long parsed = std::strtoll(token.c_str(), &end, 10);
  if (token.empty() || *end != '\0' || errno == ERANGE) return false;
  *value = parsed;
  return true;
}

std::vector<std::string> tokens_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> tokens;
  for (std::string token; in >> token;) tokens.push_back(token);
  return tokens;
}

Formula parse_header(const std::vector<std::string>& tokens, const std::string& source, int64_t line,
                     int64_t* declared_clauses) {
  int64_t variables = -1, clauses = -1;
  if (tokens.size() != 4 || tokens[1] != "cnf" || !parse_integer(tokens[2], &variables) ||
      !parse_integer(tokens[3], &clauses) || variables < 0 || clauses < 0)
    fail(source, line, "bad header: expected 'p cnf VARIABLES CLAUSES' with counts >= 0");
  if (variables > kMaxDimacsVariables)
    fail(source, line, "the header declares " + tokens[2] + " variables; at most " +
                           std::to_string(kMaxDimacsVariables) + " are accepted");
  Formula formula;
  formula.variables = variables;
  *declared_clauses = clauses;
  return formula;
}

}  // namespace

Formula read_dimacs(std::istream& in, const std::string& source) {
  Formula formula;
  bool have_header = false;
  int64_t declared = 0, header_line = 0, line_number = 0, clause_line = 0;
  std::vector<int32_t> clause;
  bool clause_open = false;  // literals read since the last 0
  int64_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    bytes += static_cast<int64_t>(line.size()) + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == 'c') continue;
    if (line[first] == '%') break;
    const auto tokens = tokens_of(line);
    if (line[first] == 'p') {
      if (have_header) fail(source, line_number, "second 'p' header (the first is on line " + std::to_string(header_line) + ")");
      formula = parse_header(tokens, source, line_number, &declared);
      have_header = true;
      header_line = line_number;
      continue;
    }
    if (!have_header) fail(source, line_number, "clause before the 'p cnf VARIABLES CLAUSES' header");
    for (const auto& token : tokens) {
      int64_t literal = 0;
      if (!parse_integer(token, &literal)) fail(source, line_number, "'" + token + "' is not an integer literal");
      if (literal < -formula.variables || literal > formula.variables)
        fail(source, line_number, "literal " + token + " is out of range: the header declares " +
                                      std::to_string(formula.variables) + " variables");
      if (!clause_open && formula.num_clauses() == declared)
        fail(source, line_number, "more clauses than the " + std::to_string(declared) + " the header declares");
      clause_open = true;
      clause_line = line_number;
      if (literal == 0) {
        formula.clauses.push_back(std::move(clause));
        clause.clear();
        clause_open = false;
      } else {
        clause.push_back(static_cast<int32_t>(literal));
      }
    }
  }
  if (!have_header) fail(source, std::max<int64_t>(line_number, 1), "missing 'p cnf VARIABLES CLAUSES' header");
  if (clause_open) fail(source, clause_line, "the last clause is not terminated by 0");
  if (formula.variables > bytes + kUnmentionedAllowance)
    fail(source, header_line, "the header declares " + std::to_string(formula.variables) + " variables, more than a " +
                                  std::to_string(bytes) + "-byte formula can use (at most its length + " +
                                  std::to_string(kUnmentionedAllowance) + " are accepted)");
  if (formula.num_clauses() != declared)
    fail(source, std::max<int64_t>(line_number, 1),
         "input ends after " + std::to_string(formula.num_clauses()) + " clauses, but the header (line " +
             std::to_string(header_line) + ") declares " + std::to_string(declared));
  return formula;
}

void write_dimacs(std::ostream& out, const Formula& formula, const std::vector<std::string>& comments) {
  for (const auto& comment : comments) out << "c " << comment << '\n';
  out << "p cnf " << formula.variables << ' ' << formula.num_clauses() << '\n';
  for (const auto& clause : formula.clauses) {
    for (const int32_t literal : clause) out << literal << ' ';
    out << "0\n";
  }
}

std::string canonical_text(const Formula& formula) {
  auto by_variable = [](int32_t a, int32_t b) {
    return std::make_pair(std::abs(a), a) < std::make_pair(std::abs(b), b);
  };
  auto clauses = formula.clauses;
  for (auto& clause : clauses) std::sort(clause.begin(), clause.end(), by_variable);
  std::sort(clauses.begin(), clauses.end(), [&](const auto& a, const auto& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), by_variable);
  });
  std::ostringstream out;
  write_dimacs(out, Formula{formula.variables, clauses});
  return out.str();
}

bool clause_satisfied(const std::vector<int32_t>& clause, const Assignment& assignment) {
  for (const int32_t literal : clause)
    if (assignment[std::abs(literal) - 1] == (literal > 0)) return true;
  return false;
}

bool satisfies(const Formula& formula, const Assignment& assignment, std::string* why) {
  if (static_cast<int64_t>(assignment.size()) != formula.variables) {
    if (why)
      *why = "assignment has " + std::to_string(assignment.size()) + " values for " +
             std::to_string(formula.variables) + " variables";
    return false;
  }
  for (size_t c = 0; c < formula.clauses.size(); ++c) {
    if (clause_satisfied(formula.clauses[c], assignment)) continue;
    if (why) {
      std::ostringstream text;
      text << "clause " << c + 1 << " (";
      for (size_t i = 0; i < formula.clauses[c].size(); ++i) text << (i ? " " : "") << formula.clauses[c][i];
      text << ") is violated";
      *why = text.str();
    }
    return false;
  }
  return true;
}

int64_t violated_clauses(const Formula& formula, const Assignment& assignment) {
  int64_t violated = 0;
  for (const auto& clause : formula.clauses) violated += clause_satisfied(clause, assignment) ? 0 : 1;
  return violated;
}

std::vector<int64_t> model_literals(const Assignment& assignment) {
  std::vector<int64_t> literals;
  literals.reserve(assignment.size());
  for (size_t v = 0; v < assignment.size(); ++v) {
    const auto variable = static_cast<int64_t>(v + 1);
    literals.push_back(assignment[v] ? variable : -variable);
  }
  return literals;
}

void write_model_lines(std::ostream& out, const Assignment& assignment, int per_line) {
  auto literals = model_literals(assignment);
  literals.push_back(0);
  for (size_t i = 0; i < literals.size(); ++i) {
    out << (i % per_line == 0 ? (i ? "\nv " : "v ") : " ") << literals[i];
  }
  out << '\n';
}

}  // namespace ebm::sat
