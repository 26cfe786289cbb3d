#include "nas/search/farm_pool_measurer.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

namespace tinynas::nas {

struct FarmPoolMeasurer::Farm {
  FarmRef ref;
  std::unique_ptr<farm::FarmClient> client;
  int in_flight = 0;
  int unanswered = 0;  // consecutive requests without an answer
  bool lost = false;
};

struct FarmPoolMeasurer::Pending {
  size_t index;  // into the models being measured
  Farm* farm;
  int64_t job_id;
  std::chrono::steady_clock::time_point submitted;
};

namespace {

std::runtime_error measure_error(const ModelToMeasure& model, const std::string& url,
                                 const std::string& what) {
  return std::runtime_error("measuring " + model.name + " on farm " + url + ": " + what);
}

}  // namespace

FarmPoolMeasurer::FarmPoolMeasurer(const std::vector<FarmRef>& farms, std::string kind, Warn warn,
                                   FarmPoolOptions options)
    : kind_(std::move(kind)), warn_(std::move(warn)), options_(options) {
  std::vector<std::string> problems;
  for (const FarmRef& ref : farms) {
    try {
      farm::check_farm_serves(ref.url, kind_, ref.token);
    } catch (const farm::FarmClientError& e) {
      problems.push_back(e.what());
      continue;
    }
    auto entry = std::make_unique<Farm>();
    entry->ref = ref;
    entry->client =
        std::make_unique<farm::FarmClient>(ref.url, ref.token, options_.request_timeout);
    farms_.push_back(std::move(entry));
  }
  if (farms_.empty()) {
    std::string message;
    for (const std::string& problem : problems) message += (message.empty() ? "" : "; ") + problem;
    if (problems.empty()) message = "the job names no farm";
    throw farm::FarmClientError(message);
  }
  for (const std::string& problem : problems) {
    if (warn_) warn_(problem + "; measuring on the other farms");
  }
}

FarmPoolMeasurer::~FarmPoolMeasurer() = default;

void FarmPoolMeasurer::drop(Farm& farm, const std::string& reason) {
  if (farm.lost) return;
  farm.lost = true;
  const auto left =
      std::count_if(farms_.begin(), farms_.end(), [](const auto& f) { return !f->lost; });
  if (warn_) {
    warn_(
        "farm " + farm.ref.url + " stopped answering (" + reason + "); dropped, " +
        std::to_string(farm.in_flight) + " unfinished model(s) " +
        (left > 0 ? "go to the " + std::to_string(left) + " farm(s) left" : "and no farm is left"));
  }
}

bool FarmPoolMeasurer::submit(const std::vector<ModelToMeasure>& models, size_t index,
                              std::vector<Pending>& pending) {
  while (true) {
    Farm* chosen = nullptr;
    for (const auto& farm : farms_) {
      if (!farm->lost && (chosen == nullptr || farm->in_flight < chosen->in_flight)) {
        chosen = farm.get();
      }
    }
    if (chosen == nullptr) return false;
    try {
      const nlohmann::json reply =
          chosen->client->submit(models[index].bytes, kind_, options_.runs);
      chosen->unanswered = 0;
      ++chosen->in_flight;
      pending.push_back(
          {index, chosen, reply.at("id").get<int64_t>(), std::chrono::steady_clock::now()});
      return true;
    } catch (const farm::FarmClientError& e) {
      if (e.http_status() != 0) throw measure_error(models[index], chosen->ref.url, e.what());
      drop(*chosen, e.what());
    } catch (const nlohmann::json::exception& e) {
      throw measure_error(
          models[index], chosen->ref.url,
          std::string("the farm's reply to the submission has no job id (") + e.what() + ")");
    }
  }
}

std::vector<profiler::ProfileResult> FarmPoolMeasurer::measure_all(
    const std::vector<ModelToMeasure>& models, const std::function<void(size_t done)>& on_done) {
  const auto no_farm_left = [&](size_t index) {
    return std::runtime_error("measuring " + models[index].name + " on " + kind_ +
                              ": no farm left (every farm of the job stopped answering)");
  };
  std::vector<std::optional<profiler::ProfileResult>> results(models.size());
  std::vector<Pending> pending;
  for (size_t i = 0; i < models.size(); ++i) {
    if (!submit(models, i, pending)) throw no_farm_left(i);
  }
  size_t done = 0;
  while (!pending.empty()) {
    std::this_thread::sleep_for(options_.poll_interval);
    std::vector<Pending> still;
    std::vector<size_t> orphans;  // models whose farm was dropped
    for (const Pending& p : pending) {
      const ModelToMeasure& model = models[p.index];
      if (p.farm->lost) {
        orphans.push_back(p.index);
        continue;
      }
      nlohmann::json job;
      try {
        job = p.farm->client->job(p.job_id);
        p.farm->unanswered = 0;
      } catch (const farm::FarmClientError& e) {
        if (e.http_status() != 0) throw measure_error(model, p.farm->ref.url, e.what());
        if (++p.farm->unanswered >= options_.unanswered_limit) {
          drop(*p.farm, e.what());
          orphans.push_back(p.index);
        } else {
          still.push_back(p);
        }
        continue;
      }
      const std::string state = job.value("state", "");
      if (state == "done") {
        if (!job.contains("measurement") || !job["measurement"].is_object()) {
          throw measure_error(
              model, p.farm->ref.url,
              "job " + std::to_string(p.job_id) + " is done but has no measurement");
        }
        results[p.index] = farm::profile_result_from_json(job["measurement"].at("result"));
        --p.farm->in_flight;
        if (on_done) on_done(++done);
      } else if (state == "failed") {
        throw measure_error(model, p.farm->ref.url,
                            "job " + std::to_string(p.job_id) +
                                " failed: " + job.value("error", std::string("(no reason given)")));
      } else if (std::chrono::steady_clock::now() - p.submitted > options_.model_timeout) {
        throw measure_error(model, p.farm->ref.url,
                            "job " + std::to_string(p.job_id) + " not done after " +
                                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                   options_.model_timeout)
                                                   .count()) +
                                " s (state " + state + ")");
      } else {
        still.push_back(p);
      }
    }
    pending = std::move(still);
    for (size_t index : orphans) {
      if (!submit(models, index, pending)) throw no_farm_left(index);
    }
  }
  std::vector<profiler::ProfileResult> out;
  out.reserve(results.size());
  for (auto& result : results) out.push_back(std::move(*result));
  return out;
}

profiler::ProfileResult FarmPoolMeasurer::measure(const std::vector<uint8_t>& model,
                                                  const std::string& name) {
  return measure_all({{model, name}}).front();
}

std::vector<std::string> FarmPoolMeasurer::farm_urls() const {
  std::vector<std::string> urls;
  for (const auto& farm : farms_) {
    if (!farm->lost) urls.push_back(farm->ref.url);
  }
  return urls;
}

std::string FarmPoolMeasurer::description() const {
  const std::vector<std::string> urls = farm_urls();
  if (urls.size() == 1) return "farm " + urls.front() + " (" + kind_ + ")";
  std::string list;
  for (const std::string& url : urls) list += (list.empty() ? "" : ", ") + url;
  return std::to_string(urls.size()) + " farms " + list + " (" + kind_ + ")";
}

}  // namespace tinynas::nas
