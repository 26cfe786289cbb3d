#include "farm/status_page.h"

#include <sstream>

#include "text/html_escape.h"

namespace tinynas::farm {
namespace {

using text::html_escape;

constexpr int kRefreshSeconds = 5;
constexpr std::size_t kShortHash = 12;

constexpr char kStyle[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}"
    "th{background:#f0f0f0}.idle{color:#070}.busy{color:#05a}.quarantined,.failed{color:#b00}"
    ".restarting,.starting,.queued,.running{color:#a60}.done{color:#070}";

}  // namespace

std::string render_status_page(const std::vector<BoardStatus>& boards,
                               const std::map<std::string, std::size_t>& queues,
                               const std::map<std::string, int64_t>& job_counts,
                               const std::vector<JobRecord>& recent_jobs) {
  std::ostringstream html;
  html << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
          "content=\""
       << kRefreshSeconds << "\"><title>tinynas farm</title><style>" << kStyle
       << "</style></head><body><h1>tinynas farm</h1>";
  html << "<h2>Boards</h2><table><tr><th>board</th><th>kind</th><th>where</th><th>state</th>"
          "<th>firmware</th><th>jobs done</th><th>failures</th><th>current job</th>"
          "<th>last error</th></tr>";
  for (const BoardStatus& b : boards) {
    const std::string state = board_state_name(b.state);
    html << "<tr><td>" << html_escape(b.name) << "</td><td>" << html_escape(b.kind) << "</td><td>"
         << html_escape(b.location) << "</td><td class=\"" << state << "\">" << state << "</td><td>"
         << html_escape(b.firmware_version) << "</td><td>" << b.jobs_done << "</td><td>"
         << b.failures << "</td><td>"
         << (b.current_job ? std::to_string(*b.current_job) : std::string()) << "</td><td>"
         << html_escape(b.last_error) << "</td></tr>";
  }
  html << "</table><h2>Queues</h2><table><tr><th>board kind</th><th>jobs waiting</th></tr>";
  for (const auto& [kind, length] : queues) {
    html << "<tr><td>" << html_escape(kind) << "</td><td>" << length << "</td></tr>";
  }
  html << "</table><h2>Jobs</h2><table><tr>";
  for (const auto& [state, count] : job_counts) html << "<th>" << html_escape(state) << "</th>";
  html << "</tr><tr>";
  for (const auto& [state, count] : job_counts) html << "<td>" << count << "</td>";
  html << "</tr></table><h2>Recent jobs</h2><table><tr><th>id</th><th>state</th><th>kind</th>"
          "<th>model</th><th>runs</th><th>attempts</th><th>board</th><th>submitted</th>"
          "<th>finished</th><th>error</th></tr>";
  for (const JobRecord& j : recent_jobs) {
    const std::string state = job_state_name(j.state);
    html << "<tr><td>" << j.id << "</td><td class=\"" << state << "\">" << state
         << (j.from_store ? " (store)" : "") << "</td><td>" << html_escape(j.board_kind)
         << "</td><td title=\"" << html_escape(j.model_sha256) << "\">"
         << html_escape(j.model_sha256.substr(0, kShortHash)) << "</td><td>" << j.runs
         << "</td><td>" << j.attempts << "</td><td>" << html_escape(j.board) << "</td><td>"
         << html_escape(j.submitted_at) << "</td><td>" << html_escape(j.finished_at) << "</td><td>"
         << html_escape(j.error) << "</td></tr>";
  }
  html << "</table></body></html>\n";
  return html.str();
}

}  // namespace tinynas::farm
