# The two commands: `make run` and `make test`. Both install what is missing first.
BUILD_DIR ?= build
# The second build that `make test` runs: AddressSanitizer + UndefinedBehaviorSanitizer.
ASAN_BUILD_DIR ?= build-asan
BUILD_TYPE ?= Release
DATA_DIR ?= ./data
JOBS ?= $(shell nproc)
SERVER := $(BUILD_DIR)/src/server/kalamdb-server

.PHONY: run test setup configure build build-asan format format-check lint clean

run: build
	@mkdir -p $(DATA_DIR)
	$(SERVER) --config server.toml --data-dir $(DATA_DIR)

test: build build-asan
	scripts/run_tests.sh $(BUILD_DIR) $(JOBS)
	scripts/run_tests.sh $(ASAN_BUILD_DIR) $(JOBS) sanitized

setup:
	@scripts/setup.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt | setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	ln -sf $(BUILD_DIR)/compile_commands.json compile_commands.json

configure: setup $(BUILD_DIR)/build.ninja

# -O1 -g1: line numbers in reports at a fraction of the compile time of -O2 -g.
$(ASAN_BUILD_DIR)/build.ninja: CMakeLists.txt | setup
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DKALAM_SANITIZE=ON

build-asan: setup $(ASAN_BUILD_DIR)/build.ninja
	cmake --build $(ASAN_BUILD_DIR) --parallel $(JOBS)

build: configure
	cmake --build $(BUILD_DIR) --parallel $(JOBS)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror

lint: build
	git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
