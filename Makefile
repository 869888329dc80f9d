# The two commands: `make run` and `make test`. Both install what is missing first.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
DATA_DIR ?= ./data
JOBS ?= $(shell nproc)
SERVER := $(BUILD_DIR)/src/server/kalamdb-server

.PHONY: run test setup configure build format format-check lint clean

run: build
	@mkdir -p $(DATA_DIR)
	$(SERVER) --config server.toml --data-dir $(DATA_DIR)

test: build
	scripts/run_tests.sh $(BUILD_DIR) $(JOBS)

setup:
	@scripts/setup.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt | setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	ln -sf $(BUILD_DIR)/compile_commands.json compile_commands.json

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) --parallel $(JOBS)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror

lint: build
	git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR)
