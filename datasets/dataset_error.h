// The error every dataset reader throws: a missing, unreadable or corrupt dataset file. The
// message names the file and what was expected versus found.
#pragma once

#include <stdexcept>

namespace tinynas::datasets {

class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tinynas::datasets
