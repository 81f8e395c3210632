#include "tasks/sudoku/variant_parameters.h"

#include "ebm/tasks/sudoku/board.h"

#include <cctype>
#include <sstream>

namespace ebm::sudoku {

namespace {

std::string trim(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  return s.substr(begin, end - begin);
}

bool explicit_flag(const TaskParameters& parameters, const std::string& name) {
  return parameters.find(name) != parameters.end();
}

std::shared_ptr<const Layout> build(Variant variant, int box, const std::string& regions, const std::string& what) {
  try {
    return std::make_shared<const Layout>(make_layout(variant, box, regions));
  } catch (const std::invalid_argument& e) {
    throw TaskInputError(what + e.what());
  }
}

}  // namespace

std::vector<ParameterInfo> variant_parameters() {
  const unsigned uses = ProblemParameter | GenerateParameter | TrainParameter;
  return {
      {"variant", "standard",
       "standard | x (both main diagonals are units too) | jigsaw (irregular regions instead of boxes); variants "
       "have no hand-written energy: they solve with --energy pairwise (ebm train sudoku --variant V --model pairwise)",
       uses},
      {"layout", "",
       "jigsaw region map: N*N region ids ('1'-'9' on 9x9), row-major, each region N connected cells (default: a "
       "built-in 9x9 map; a file's '# layout:' line wins)",
       uses},
  };
}

std::shared_ptr<const Layout> layout_from_parameters(const TaskParameters& parameters, int box) {
  const auto infos = variant_parameters();
  Variant variant;
  try {
    variant = parse_variant(parameter_value(parameters, infos, "variant"));
  } catch (const std::invalid_argument& e) {
    throw TaskInputError(std::string("--variant: ") + e.what());
  }
  const std::string regions = parameter_value(parameters, infos, "layout");
  if (!regions.empty() && variant != Variant::Jigsaw) {
    if (explicit_flag(parameters, "variant"))
      throw TaskInputError("--layout is for --variant jigsaw, not --variant " + variant_name(variant));
    variant = Variant::Jigsaw;
  }
  return build(variant, box, regions, regions.empty() ? "--variant jigsaw: " : "--layout: ");
}

FileHeader read_file_header(const std::string& text, const std::string& source) {
  FileHeader header;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    const std::string content = trim(line);
    if (content.empty() || content[0] != '#') continue;
    const std::string body = trim(content.substr(1));
    for (const char* key : {"variant:", "layout:"}) {
      const std::string k = key;
      if (body.compare(0, k.size(), k) != 0) continue;
      const std::string value = trim(body.substr(k.size()));
      const bool is_layout = k == "layout:";
      std::string& slot = is_layout ? header.layout : header.variant;
      int& slot_line = is_layout ? header.layout_line : header.variant_line;
      if (!slot.empty() && slot != value)
        throw TaskInputError(source + ":" + std::to_string(number) + ": a second " + k.substr(0, k.size() - 1) +
                             " line (" + value + ") differs from line " + std::to_string(slot_line) + " (" + slot + ")");
      slot = value;
      slot_line = number;
    }
  }
  return header;
}

std::shared_ptr<const Layout> file_layout(const FileHeader& header, const TaskParameters& parameters, int box,
                                          const std::string& source) {
  const auto infos = variant_parameters();
  const std::string flag_variant = parameter_value(parameters, infos, "variant");
  const std::string flag_layout = parameter_value(parameters, infos, "layout");
  const std::string at = source + ":";
  if (header.variant.empty() && header.layout.empty()) return layout_from_parameters(parameters, box);

  Variant variant = Variant::Jigsaw;
  if (!header.variant.empty()) {
    try {
      variant = parse_variant(header.variant);
    } catch (const std::invalid_argument& e) {
      throw TaskInputError(at + std::to_string(header.variant_line) + ": " + e.what());
    }
  }
  if (!header.layout.empty() && variant != Variant::Jigsaw)
    throw TaskInputError(at + std::to_string(header.layout_line) + ": a layout line in a file of variant " +
                         variant_name(variant) + " (line " + std::to_string(header.variant_line) + ")");
  if (explicit_flag(parameters, "variant") && flag_variant != variant_name(variant)) {
    const int line = header.variant.empty() ? header.layout_line : header.variant_line;
    throw TaskInputError("--variant " + flag_variant + " differs from the file's variant " + variant_name(variant) +
                         " (" + at + std::to_string(line) + ")");
  }
  std::string regions = header.layout;
  if (!regions.empty() && explicit_flag(parameters, "layout") && flag_layout != regions)
    throw TaskInputError("--layout " + flag_layout + " differs from the file's layout " + regions + " (" + at +
                         std::to_string(header.layout_line) + ")");
  if (regions.empty()) regions = flag_layout;
  const int layout_box = header.layout.empty() ? box : box_for_length(header.layout.size());
  const std::string what = header.layout.empty() ? "" : at + std::to_string(header.layout_line) + ": ";
  return build(variant, layout_box == 0 ? box : layout_box, regions, what);
}

std::string header_lines(const Layout& layout) {
  switch (layout.variant) {
    case Variant::Standard: return "";
    case Variant::X: return "# variant: x\n";
    case Variant::Jigsaw: return "# layout: " + layout.regions + "\n";
  }
  return "";
}

}  // namespace ebm::sudoku
