#pragma once

#include <cstdint>
#include <span>

namespace kalam {

// Fills `out` with bytes from the kernel's CSPRNG (getrandom(2)). Aborts if the kernel
// cannot provide randomness, since ids and secrets must never be predictable.
void FillRandom(std::span<uint8_t> out);

// A uniformly random 64-bit value from the kernel's CSPRNG.
uint64_t RandomU64();

}  // namespace kalam
