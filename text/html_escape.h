// HTML escaping for the pages and SVG charts tinynas writes (search report, farm status page).
#pragma once

#include <string>

namespace tinynas::text {

// Escapes &, <, >, " and ' so the result is safe as HTML/XML text and as a single- or
// double-quoted attribute value.
std::string html_escape(const std::string& text);

}  // namespace tinynas::text
