#!/usr/bin/env python3
"""Size figures of the C++ tree: lines per folder and the longest functions.

Usage: scripts/code_figures.py [--root DIR] [--longest N] [--json FILE]

Lines are physical lines of .h/.cpp/.in files that git tracks (blank lines and comments included),
counted per top-level folder and, below ebm/, samplers/, tasks/ and include/, per second-level folder;
"code" counts the lines that hold code (neither blank nor only a comment).
A function is a brace block opened by a signature `name(...) [qualifiers] {` (free functions,
member functions defined in a class or out of it, constructors); control blocks, classes, namespaces
and lambdas are not functions (a lambda counts towards the function that holds it). Its length is
the number of lines from the signature's line to the closing brace.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter

SOURCE = re.compile(r"\.(h|hpp|cpp|cc|in)$")
# TEST_SUITE opens a namespace, not a function.
NOT_FUNCTIONS = {"TEST_SUITE"}
CONTROL = {"if", "for", "while", "switch", "catch", "return", "sizeof", "decltype", "alignof", "static_assert"}


def tracked_files(root):
    out = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    files = [f for f in out.splitlines() if SOURCE.search(f) and os.path.exists(os.path.join(root, f))]
    untracked = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=root,
                               capture_output=True, text=True, check=True).stdout
    files += [f for f in untracked.splitlines() if SOURCE.search(f)]
    return sorted(set(files))


def folder_of(path):
    parts = path.split("/")
    if len(parts) == 1:
        return "(top)"
    if parts[0] in ("ebm", "samplers", "tasks", "include") and len(parts) > 2:
        return parts[0] + "/" + parts[1]
    return parts[0]


def strip_code(text):
    """The text with comments, strings and character literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + 1)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path, text):
    # Preprocessor lines (#if defined(...), #include) are not code for this purpose.
    code = re.sub(r"(?m)^[ \t]*#.*$", lambda m: " " * len(m.group(0)), strip_code(text))
    found, stack = [], []  # stack of (kind, start_offset)
    last_stop = 0  # offset after the last ';', '{' or '}'
    for i, c in enumerate(code):
        if c == "{":
            head = code[last_stop:i]
            kind = "block"
            if "(" in head and not stack_has_function(stack):
                words = re.findall(r"[A-Za-z_~][A-Za-z_0-9:~]*(?=\s*\()", head)
                first_word = re.match(r"\s*([A-Za-z_]+)", head)
                stripped = head.strip()
                lambda_like = re.search(r"\]\s*(\([^)]*\))?\s*(mutable\s*)?(->[^{]*)?$", stripped) is not None
                if words and not lambda_like and not (first_word and first_word.group(1) in CONTROL) \
                        and words[0].split("::")[-1] not in CONTROL and words[0] not in NOT_FUNCTIONS and not re.search(r"=\s*$", stripped):
                    kind = "function"
                    name = [w for w in words if w.split("::")[-1] not in CONTROL][0]
                    start_line = code.count("\n", 0, last_stop + len(head) - len(head.lstrip())) + 1
                    stack.append(("function", i, name, start_line))
                    last_stop = i + 1
                    continue
            stack.append((kind, i, None, None))
            last_stop = i + 1
        elif c == "}":
            if stack:
                kind, _, name, start_line = stack.pop()
                if kind == "function":
                    end_line = code.count("\n", 0, i) + 1
                    found.append((end_line - start_line + 1, path, start_line, name))
            last_stop = i + 1
        elif c == ";":
            last_stop = i + 1
    return found


def stack_has_function(stack):
    return any(kind == "function" for kind, *_ in stack)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".")
    parser.add_argument("--longest", type=int, default=15)
    parser.add_argument("--json", help="also write the figures as JSON here")
    args = parser.parse_args()
    lines, code, every_function = Counter(), Counter(), []
    for f in tracked_files(args.root):
        text = open(os.path.join(args.root, f), encoding="utf-8", errors="replace").read()
        lines[folder_of(f)] += text.count("\n")
        code[folder_of(f)] += sum(1 for line in strip_code(text).splitlines() if line.strip())
        if f.endswith((".cpp", ".cc", ".h", ".hpp")):
            every_function += functions(f, text)
    every_function.sort(key=lambda r: (-r[0], r[1], r[2]))
    print("lines per folder (all / code)")
    for folder in sorted(lines):
        print(f"  {lines[folder]:7d} {code[folder]:7d}  {folder}")
    print(f"  {sum(lines.values()):7d} {sum(code.values()):7d}  total")
    print(f"longest functions (of {len(every_function)})")
    for length, path, line, name in every_function[:args.longest]:
        print(f"  {length:5d}  {path}:{line}  {name}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"lines": dict(lines), "code": dict(code), "total": sum(lines.values()),
                       "total_code": sum(code.values()),
                       "longest": [{"lines": l, "file": p, "line": n, "name": m} for l, p, n, m in
                                   every_function[:args.longest]]}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
