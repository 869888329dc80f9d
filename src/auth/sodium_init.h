#pragma once

namespace kalam::auth {

// Internal to auth/: initialises libsodium once (thread-safe, idempotent). Call before the
// first use of any libsodium function.
void InitSodium();

}  // namespace kalam::auth
