#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"

namespace kalam::api {

// The one place where error kinds become HTTP statuses and envelope codes.
int HttpStatusFor(StatusCode code);
std::string_view ErrorCodeFor(StatusCode code);
// Every code ErrorCodeFor can return, once each in the order of the table (for docs checks).
std::vector<std::string_view> AllErrorCodes();

}  // namespace kalam::api
