#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace kalam::auth {

// The HS256 key: `configured` when set (config or KALAMDB_JWT_SECRET), otherwise the one in
// `<data_dir>/jwt_secret`, created at first start from 32 random bytes with mode 0600 so
// tokens survive restarts. A secret file readable by others is refused.
Result<std::string> LoadOrCreateJwtSecret(const std::string& configured,
                                          const std::filesystem::path& data_dir);

}  // namespace kalam::auth
