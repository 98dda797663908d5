# make test does everything the tests need on a fresh Debian machine with Go:
# installs the Debian packages the tests use, checks formatting and vet, runs
# unit and integration tests (which start and stop their own peers on
# loopback), then a short run of every fuzz target.
GO        ?= go
FUZZTIME  ?= 10s
export PACSGUARD_REQUIRE_PEERS ?= 1

.PHONY: all build test deps fmt-check vet unit fuzz generate bench clean

all: build

build:
	$(GO) build -o bin/pacsguard ./cmd/pacsguard

test: deps fmt-check vet unit fuzz

deps:
	./scripts/install-deps.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -timeout 20m ./...

fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

generate:
	$(GO) generate ./...

bench: build
	./bench/parse.sh

clean:
	rm -rf bin
