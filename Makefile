# Cairn's entry points. `make demo` and `make test` work on a fresh Debian 12 machine as root.
BUILD_DIR ?= build
# Extra CMake settings for a new build dir, e.g. CMAKE_ARGS=-DCAIRN_WERROR=ON (CI).
CMAKE_ARGS ?=
JOBS ?= 2
PACKAGES := build-essential cmake ninja-build pkg-config ccache mold \
  librocksdb-dev librdkafka-dev libprotobuf-dev protobuf-compiler libssl-dev \
  libsqlite3-dev sqlite3 libboost-dev libspdlog-dev libfmt-dev \
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev kcat

.PHONY: deps configure build test demo soak bench clean

# Installs only what is missing; does nothing when everything is present.
deps:
	@missing=$$(for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE soak

# ARGS=--keep-running leaves the order service up and prints how to reach it.
demo: build
	$(BUILD_DIR)/examples/order_service/cairn-demo $(ARGS)

soak: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L soak

bench: build
	$(BUILD_DIR)/tools/cairn/cairn bench append
	$(BUILD_DIR)/tools/cairn/cairn bench replay
	$(BUILD_DIR)/tools/cairn/cairn bench commands
	$(BUILD_DIR)/tools/cairn/cairn bench kafka
	$(BUILD_DIR)/tools/cairn/cairn bench projections
	$(BUILD_DIR)/tools/cairn/cairn bench sagas
	$(BUILD_DIR)/tools/cairn/cairn bench http

clean:
	rm -rf $(BUILD_DIR)
