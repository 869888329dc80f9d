#pragma once

#include <string_view>

#include "common/status.h"

namespace kalam::api {

// The one place where error kinds become HTTP statuses and envelope codes.
int HttpStatusFor(StatusCode code);
std::string_view ErrorCodeFor(StatusCode code);

}  // namespace kalam::api
