"""Independent verifiers of ebm's answers (no code shared with ebm): Sudoku boards, CNF models,
graph colourings. Each check returns "" when the answer is right, else what is wrong."""
import json

DIGITS = "123456789ABCDEFG"


def sudoku_board_error(puzzle: str, board: str) -> str:
    """Whether `board` fills `puzzle` (one-line forms, '.'/'0' blanks) by the rules."""
    n = {16: 4, 81: 9, 256: 16}.get(len(puzzle))
    if n is None or len(board) != len(puzzle):
        return "board of %d characters for a puzzle of %d" % (len(board), len(puzzle))
    box = int(n ** 0.5)
    symbols = set(DIGITS[:n])
    for i, (p, b) in enumerate(zip(puzzle, board)):
        if b not in symbols:
            return "cell %d holds %r" % (i, b)
        if p not in ".0" and p != b:
            return "cell %d changes the given %s to %s" % (i, p, b)
    groups = [[r * n + c for c in range(n)] for r in range(n)] + [[r * n + c for r in range(n)] for c in range(n)]
    groups += [[(br + r) * n + bc + c for r in range(box) for c in range(box)]
               for br in range(0, n, box) for bc in range(0, n, box)]
    for g in groups:
        if len({board[i] for i in g}) != n:
            return "a row, column or box repeats a digit"
    return ""


def sudoku_lines_check(puzzles):
    """Check of `ebm solve sudoku` output: one line per puzzle, a board or 'unsolved'."""
    def check(stdout: str) -> str:
        lines = [l.strip() for l in stdout.splitlines() if l.strip()]
        if len(lines) != len(puzzles):
            return "%d output lines for %d puzzles" % (len(lines), len(puzzles))
        for puzzle, line in zip(puzzles, lines):
            if line != "unsolved":
                error = sudoku_board_error(puzzle, line)
                if error:
                    return "claimed board is wrong: " + error
        return ""
    return check


def sudoku_all_solved(stdout: str) -> str:
    """Completeness of `ebm solve sudoku` output (for easy controls): no puzzle left 'unsolved'."""
    left = stdout.split().count("unsolved")
    return "%d control puzzle(s) left unsolved" % left if left else ""


def parse_cnf(text: str):
    clauses, current = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "cp%":
            continue
        for tok in line.split():
            lit = int(tok)
            if lit == 0:
                clauses.append(current)
                current = []
            else:
                current.append(lit)
    return clauses


def cnf_model_check(cnf_text: str):
    """Check of SAT-competition output: when it says SATISFIABLE, the v-line model satisfies every clause."""
    clauses = parse_cnf(cnf_text)

    def check(stdout: str) -> str:
        if "s SATISFIABLE" not in stdout:
            return ""
        true = set()
        for line in stdout.splitlines():
            if line.startswith("v "):
                true.update(int(t) for t in line[2:].split() if t != "0")
        for clause in clauses:
            if not any(lit in true for lit in clause):
                return "claimed model violates clause %s" % clause
        return ""
    return check


def coloring_check(col_text: str, colors: int):
    """Check of DIMACS colouring output: every 'l V C' in 1..K, every edge's ends differ."""
    edges, vertices = [], 0
    for line in col_text.splitlines():
        parts = line.split()
        if parts and parts[0] == "p":
            vertices = int(parts[2])
        elif parts and parts[0] == "e":
            edges.append((int(parts[1]), int(parts[2])))

    def check(stdout: str) -> str:
        if "s col" not in stdout:
            return ""
        color = {}
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "l":
                color[int(parts[1])] = int(parts[2])
        if len(color) != vertices:
            return "%d of %d vertices coloured" % (len(color), vertices)
        if any(not 1 <= c <= colors for c in color.values()):
            return "a colour outside 1..%d" % colors
        for u, v in edges:
            if color[u] == color[v]:
                return "edge %d-%d has both ends coloured %d" % (u, v, color[u])
        return ""
    return check


def serve_sudoku_check(puzzles):
    """Check of `ebm serve --stdio` replies: every verified answer is a right board."""
    def check(stdout: str) -> str:
        for line in stdout.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                return "not JSON: " + line[:60]
            result = item.get("result") if isinstance(item, dict) else None
            if result and result.get("answer"):
                error = sudoku_board_error(puzzles[item.get("index", 0)], result["answer"])
                if error:
                    return "served board is wrong: " + error
        return ""
    return check


def portfolio_check(points: int, assets: int, min_weight: float = 0.01, max_weight: float = 1.0):
    """Check of a portfolio frontier CSV: `points` rows, each with exactly `assets` held weights in
    [min_weight, max_weight] summing to 1 (or '# unsolved')."""
    def check(stdout: str) -> str:
        if "# unsolved" in stdout:
            return ""
        rows = [l.split(",") for l in stdout.splitlines() if l and not l.startswith(("lambda", "#"))]
        if len(rows) != points:
            return "%d frontier rows for %d points" % (len(rows), points)
        for row in rows:
            weights = [float(x) for x in row[3:]]
            held = [w for w in weights if w != 0]
            if len(held) != assets or abs(sum(weights) - 1) > 1e-6:
                return "a portfolio holds %d assets, weights summing to %g" % (len(held), sum(weights))
            if any(w < min_weight - 1e-9 or w > max_weight + 1e-9 for w in held):
                return "a held weight outside [%g, %g]" % (min_weight, max_weight)
        return ""
    return check
