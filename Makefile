# Cairn's entry points. `make demo` and `make test` work on a fresh Debian 12 machine as root.
BUILD_DIR ?= build
# Extra CMake settings for a new build dir, e.g. CMAKE_ARGS=-DCAIRN_WERROR=ON (CI).
CMAKE_ARGS ?=
JOBS ?= 2
PACKAGES := build-essential cmake ninja-build pkg-config ccache mold \
  librocksdb-dev librdkafka-dev libprotobuf-dev protobuf-compiler libssl-dev \
  libsqlite3-dev sqlite3 libboost-dev libspdlog-dev libfmt-dev \
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev kcat \
  libgoogle-perftools-dev

# Sanitizer builds: ASan+UBSan with clang, which builds the fuzz targets too;
# TSan with GCC for the suites of the concurrent parts (labels <module>.concurrent).
# SANITIZE_SCOPE=core (what CI runs, to stay within its hour) takes the
# store, engine and sagas suites only; all takes every suite.
SANITIZE_PACKAGES := clang-14 libfuzzer-14-dev
SANITIZE_SCOPE ?= all
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
CORE_TARGETS := store_tests store_crash_test store_wal_damage_test engine_tests service_tests sagas_tests http_server_tests
ifeq ($(SANITIZE_SCOPE),core)
ASAN_TARGETS := $(CORE_TARGETS) event_record_fuzz saga_stream_fuzz
ASAN_TESTS := -L 'store|engine|sagas|http'
TSAN_TARGETS := store_tests engine_tests sagas_tests http_server_tests
else
ASAN_TARGETS := all
ASAN_TESTS :=
TSAN_TARGETS := store_tests engine_tests sagas_tests projections_tests http_server_tests
endif
FUZZ_SECONDS ?= 300
BENCH_PACKAGES := jq gnuplot-nox
PEER_PACKAGES := postgresql-15

.PHONY: deps deps-sanitize configure build test test-sanitize fuzz demo soak bench bench-peers clean

# Installs only what is missing; does nothing when everything is present.
deps:
	@missing=$$(for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

deps-sanitize: deps
	@$(MAKE) --no-print-directory deps PACKAGES="$(SANITIZE_PACKAGES)"

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE soak

# Findings fail the test that made them (-fno-sanitize-recover). The fuzz
# targets run briefly here, as tests; `make fuzz` runs them for FUZZ_SECONDS.
test-sanitize: deps-sanitize
	@$(MAKE) --no-print-directory asan-build ASAN_TARGETS="$(ASAN_TARGETS)"
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) $(ASAN_TESTS) -LE soak
	@test -f $(TSAN_DIR)/build.ninja || cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCAIRN_SANITIZE=thread
	cmake --build $(TSAN_DIR) -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_DIR) && TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --output-on-failure -j $(JOBS) -L concurrent

fuzz: deps-sanitize
	@$(MAKE) --no-print-directory asan-build ASAN_TARGETS=all
	cd $(ASAN_DIR) && FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -j $(JOBS) -L fuzz

.PHONY: asan-build
asan-build:
	@test -f $(ASAN_DIR)/build.ninja || cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
	  -DCAIRN_SANITIZE=address,undefined -DCAIRN_FUZZ=ON
	cmake --build $(ASAN_DIR) -j $(JOBS) --target $(ASAN_TARGETS)

# ARGS=--keep-running leaves the order service up and prints how to reach it.
demo: build
	$(BUILD_DIR)/examples/order_service/cairn-demo $(ARGS)

# The chaos soak for SOAK_MINUTES (its summary line last), then the store's
# kill -9 test for 300 cycles.
SOAK_MINUTES ?= 10
soak: build
	$(BUILD_DIR)/tests/soak/chaos_soak --seconds $$(( $(SOAK_MINUTES) * 60 ))
	cd $(BUILD_DIR) && ctest --output-on-failure -L soak

# Every benchmark beside its baseline: bench/results/latest.json, the table
# bench/results/latest.md (also written into the README) and docs/plots/.
bench: build
	@$(MAKE) --no-print-directory deps PACKAGES="$(BENCH_PACKAGES)"
	bench/run_all.sh $(BUILD_DIR)/tools/cairn/cairn

# Durable appends against PostgreSQL 15 on loopback, in the same run.
bench-peers: build
	@$(MAKE) --no-print-directory deps PACKAGES="$(PEER_PACKAGES)"
	bench/peers/postgres.sh $(BUILD_DIR)/tools/cairn/cairn

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR)
