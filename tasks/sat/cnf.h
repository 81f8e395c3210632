// CNF formulas and assignments: the model, DIMACS text in and out, and the exact verifier. Plain C++17.
//
// A formula has `variables` V (numbered 1..V) and clauses, each a list of signed literals: +v is true
// when variable v is true, -v when it is false. A clause holds when one of its literals does; the
// empty clause never holds. An assignment gives every variable 1..V a truth value.
//
// DIMACS CNF (as SATLIB and the SAT competitions write it):
//   c any comment            lines starting with 'c'
//   p cnf V C                the header, once, before any clause
//   1 -3 4 0                 clauses: literals ending in 0; a clause may span lines, a line may hold several
//   %                        optional end marker (SATLIB): reading stops there
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace ebm::sat {

struct Formula {
  int64_t variables = 0;                     // V
  std::vector<std::vector<int32_t>> clauses;  // literals in -V..-1, 1..V

  int64_t num_clauses() const { return static_cast<int64_t>(clauses.size()); }
  size_t max_clause_length() const;
};

// values[v - 1] is the truth value of variable v; size V.
using Assignment = std::vector<bool>;

// Declared sizes are bounded before anything is allocated for them: at most kMaxDimacsVariables
// variables, and no more than the text's length in bytes plus kUnmentionedAllowance (each variable a
// formula uses takes at least two bytes; the allowance admits small files that declare a few unused ones).
constexpr int64_t kMaxDimacsVariables = int64_t{1} << 22;
constexpr int64_t kUnmentionedAllowance = 1024;

// Reads one DIMACS formula. Throws ebm::TaskInputError "SOURCE:LINE: what is wrong" for a missing or bad
// header, a second header, a clause before the header, a token that is not an integer, a literal with
// |lit| > V, more or fewer clauses than the header declares, a last clause without its 0, and
// declared sizes over the bounds above.
Formula read_dimacs(std::istream& in, const std::string& source);

// Writes `formula` as DIMACS: each of `comments` as a "c " line, the header, one clause per line.
void write_dimacs(std::ostream& out, const Formula& formula, const std::vector<std::string>& comments = {});

// The canonical text of a formula: header and clauses with literals sorted by (variable, sign) inside
// each clause and clauses sorted, no comments. Reordering clauses or literals does not change it.
std::string canonical_text(const Formula& formula);

// Whether `clause` holds under `assignment` (which must cover its variables).
bool clause_satisfied(const std::vector<int32_t>& clause, const Assignment& assignment);
// The exact verifier: true when the assignment has V values and every clause holds. Otherwise false,
// and *why (when non-null) says which: "assignment has 7 values for 8 variables", "clause 12 (1 -3 4) is
// violated".
bool satisfies(const Formula& formula, const Assignment& assignment, std::string* why = nullptr);
// Number of clauses the assignment violates (assignment of V values).
int64_t violated_clauses(const Formula& formula, const Assignment& assignment);

// The assignment as signed literals 1..V: +v when true, -v when false.
std::vector<int64_t> model_literals(const Assignment& assignment);
// "v 1 -2 3 ..." lines of at most `per_line` literals, the last one ending in "0" (SAT competition format).
void write_model_lines(std::ostream& out, const Assignment& assignment, int per_line = 20);

}  // namespace ebm::sat
