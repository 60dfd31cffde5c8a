# The two quick-start commands:
#   make demo   install what is missing, build Release, run the pipeline on a generated capture
#   make check  install what is missing, build, and run every test (ASan+UBSan, TSan, fuzz smoke)
# Other targets: build, bench, install, format, clean.

BUILD   ?= build
JOBS    ?= $(shell nproc)
PREFIX  ?= /usr/local
CMAKE   ?= cmake

.PHONY: all deps test-deps build demo check check-asan check-tsan check-release fuzz-smoke \
	bench install format clean

all: build

deps:
	scripts/install-deps.sh build

test-deps:
	scripts/install-deps.sh all

build: deps
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	$(CMAKE) --build $(BUILD) -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD)

# Release build with every test, then the sanitizer builds.
check: test-deps
	scripts/check.sh

bench: test-deps
	$(CMAKE) -S . -B $(BUILD)-bench -DCMAKE_BUILD_TYPE=Release -DFT_BUILD_BENCH=ON
	$(CMAKE) --build $(BUILD)-bench -j $(JOBS)
	scripts/bench.sh $(BUILD)-bench

install: build
	$(CMAKE) --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cc')

clean:
	rm -rf $(BUILD) $(BUILD)-*
