// GET / of the farm: one self-contained HTML page (no scripts, no external resources) that a
// person can look at: boards, queues, job counts and the most recent jobs. It reloads itself.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "farm/farm.h"
#include "farm/measurement_store.h"

namespace tinynas::farm {

std::string render_status_page(const std::vector<BoardStatus>& boards,
                               const std::map<std::string, std::size_t>& queues,
                               const std::map<std::string, int64_t>& job_counts,
                               const std::vector<JobRecord>& recent_jobs);

}  // namespace tinynas::farm
