#include "tests/testing/test_util.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <system_error>

namespace kalam::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "kalam-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace kalam::testing
