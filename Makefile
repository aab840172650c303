# p2p-node: the two commands a user needs are `make run` and `make test`.
# Everything else here is a step of those two, or a tool for developers.

BUILD_DIR   ?= build
BUILD_TYPE  ?= RelWithDebInfo
JOBS        ?= $(shell nproc)
NODES       ?= 100
BASE_PORT   ?= 5000
CLUSTER_DIR ?= cluster
SANITIZE    ?= address,undefined
SAN_DIR     ?= build-sanitize
FUZZ_DIR    ?= build-fuzz
FUZZ_SECONDS ?= 60

# Debian packages the build, the tests and the benchmarks need.
PACKAGES := cmake g++ make pkg-config libpoco-dev libcppunit-dev curl openssl iproute2 systemd python3-yaml python3-requests wrk nginx-light \
            nftables iptables libnetfilter-queue-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

FUZZ_PACKAGES := clang libclang-rt-14-dev

.PHONY: all deps build test faults test-container run stop bench sanitize fuzz install package clean help

all: build

help:
	@echo "make run       install what is missing, build, start a bootstrap node on port $(BASE_PORT) and $(NODES) peers"
	@echo "make stop      stop the network make run started"
	@echo "make test      install what is missing, build, run every test (CTest)"
	@echo "make faults    the fault suite: partitions, pauses, crashes of networks in namespaces (root)"
	@echo "make test-container  the image, 100 containers under docker-compose, the seed's clients (root; starts dockerd if needed)"
	@echo "make build     configure and build into $(BUILD_DIR)/"
	@echo "make bench     loopback benchmarks against nginx (wrk)"
	@echo "make sanitize  build into $(SAN_DIR)/ with -fsanitize=$(SANITIZE) -Werror and run every test"
	@echo "make fuzz      build the libFuzzer targets with clang, run each for FUZZ_SECONDS=$(FUZZ_SECONDS)"
	@echo "make deps      apt-get install the missing packages: $(PACKAGES)"
	@echo "make install   install into PREFIX=$(PREFIX) (DESTDIR=... to stage)"
	@echo "make package   a .deb for /usr in build-package/ (unit, p2p user, dependencies)"
	@echo "make clean     remove build output"

deps:
	@missing=""; for p in $(PACKAGES) $(EXTRA_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE faults

# The fault suite (tests/faults/): partitions, slow and lossy links, pauses,
# crashes of real networks in namespaces, one at a time (they share the
# namespaces' bridge); nft, iptables and libnetfilter-queue make the faults.
# Skipped, saying why, where namespaces cannot be made (not root).
faults: build
	cd $(BUILD_DIR) && ctest --output-on-failure -V -L faults

# The seed's Docker workflow for real: installs docker.io, docker-compose and
# mmdebstrap, starts dockerd when none runs (and stops it), makes the base
# images offline, builds the image, runs 101 containers and the seed's
# clients against them. Skips, saying why, where no Docker engine can run.
test-container: build
	tests/container/run.sh

sanitize: deps
	cmake -S . -B $(SAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DP2P_SANITIZE=$(SANITIZE) -DP2P_WERROR=ON
	cmake --build $(SAN_DIR) -j $(JOBS)
	cd $(SAN_DIR) && ctest --output-on-failure -j $(JOBS) -LE faults

fuzz:
	$(MAKE) deps EXTRA_PACKAGES="$(FUZZ_PACKAGES)"
	cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	      -DP2P_BUILD_FUZZERS=ON -DP2P_BUILD_TESTS=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	@for target in $(FUZZ_DIR)/bin/fuzz-*; do \
	  name=$${target##*/fuzz-}; corpus=$(FUZZ_DIR)/corpus/$$name; log=$(FUZZ_DIR)/$$name.log; \
	  mkdir -p $$corpus && cp tests/fuzz/corpus/$$name/* $$corpus/; \
	  echo "== $$name: $(FUZZ_SECONDS) s"; \
	  if ! $$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$corpus > $$log 2>&1; then \
	    tail -40 $$log; echo "fuzz target $$name failed; see $$log"; exit 1; \
	  fi; \
	  grep -E "^#[0-9]+[[:space:]]+DONE" $$log; \
	done

run: build
	$(BUILD_DIR)/bin/p2p-cluster up --nodes $(NODES) --base-port $(BASE_PORT) --dir $(CLUSTER_DIR)
	@echo
	@echo "Try:"
	@echo "  curl -s localhost:$(BASE_PORT)/peers"
	@echo "  curl -s -X POST localhost:$$(($(BASE_PORT)+2))/message -H 'Content-Type: application/json' -d '{\"sender_id\": \"Node1\", \"message\": \"Hello Node2!\"}'"
	@echo "  curl -s localhost:$$(($(BASE_PORT)+1))/members"
	@echo "  $(BUILD_DIR)/bin/p2p-cluster status --dir $(CLUSTER_DIR)"
	@echo "Stop it with: make stop   (logs stay in $(CLUSTER_DIR)/)"

stop:
	@if [ -x $(BUILD_DIR)/bin/p2p-cluster ]; then $(BUILD_DIR)/bin/p2p-cluster down --dir $(CLUSTER_DIR); fi

# etcd: the replication benchmark's yardstick.
BENCH_PACKAGES := etcd-server

bench: build
	$(MAKE) deps EXTRA_PACKAGES="$(BENCH_PACKAGES)"
	$(BUILD_DIR)/bin/p2p-ring-balance $(NODES)
	tests/bench/run-bench.sh $(BUILD_DIR)

# PREFIX=/usr puts the configuration in /etc/p2p-node; DESTDIR=dir stages it.
PREFIX ?= /usr/local
install: build
	cmake -S . -B $(BUILD_DIR) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cmake --install $(BUILD_DIR)

# A .deb for /usr: build-package/p2p-node_<version>_<arch>.deb
package: deps
	cmake -S . -B build-package -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DP2P_BUILD_TESTS=OFF
	cmake --build build-package -j $(JOBS)
	cd build-package && cpack

clean:
	rm -rf $(BUILD_DIR) $(SAN_DIR) $(FUZZ_DIR) build-package
