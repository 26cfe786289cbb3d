// report.html of a finished search: one self-contained page (inline SVG, inline CSS, no
// scripts) with the stage-1 MACs CDFs, accuracy against measured latency and against peak SRAM
// with the Pareto front, the per-layer arena of the best network with and without in-place
// depthwise, predicted against measured latency, the generations and the verified candidates.
#pragma once

#include <string>

#include "nas/search/search_job.h"

namespace tinynas::nas {

struct PipelineResult;

std::string render_search_report(const SearchJob& job, const PipelineResult& result);
void write_search_report(const std::string& path, const SearchJob& job,
                         const PipelineResult& result);

}  // namespace tinynas::nas
