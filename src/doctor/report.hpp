#pragma once

#include "doctor/advice.hpp"
#include "doctor/findings.hpp"
#include "doctor/target.hpp"

#include <string>

namespace tandem::doctor {

// For a person: the checks as a table, the proxy, where browsers land and what to change.
std::string format_text(const std::string& url, const Diagnosis& diagnosis, const Advice& advice);
// For machines (--json): the same, as one JSON object.
std::string format_json(const std::string& url, const Diagnosis& diagnosis, const Advice& advice);

}  // namespace tandem::doctor
