# place: the two commands that matter are `make run` and `make test`.
GO        ?= go
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: run build test test-go test-js fuzz lint generate check-generate bench bench-curve vendor-js clean

## run: build and start the whole product in embedded mode on http://localhost:3000
run:
	$(GO) run ./cmd/place serve

## build: build the binary into bin/place
build:
	$(GO) build -o bin/place ./cmd/place

## test: every check and every test (services and browsers are skipped when absent,
## unless PLACE_REQUIRE_SERVICES=1)
test: lint test-go test-js fuzz

test-go:
	$(GO) test -race -timeout 20m $(PKGS)

test-js:
	node --test assets/js/test/

## fuzz: a short run of the message decoder's fuzz target
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeClientMessage$$' -fuzztime $(FUZZTIME) ./realtime

## lint: formatting, vet, staticcheck and freshness of generated templ code
lint: check-generate
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: the files above need formatting" && exit 1)
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

## generate: regenerate templ code
generate:
	$(GO) tool templ generate

check-generate:
	@$(GO) tool templ generate >/dev/null 2>&1
	@git diff --exit-code -- '*_templ.go' || (echo "generated templ code is stale: run make generate and commit" && exit 1)
	@test -z "$$(git ls-files --others --exclude-standard -- '*_templ.go')" || (echo "uncommitted generated templ files" && exit 1)

## bench: Go benchmarks of the hot paths
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./realtime ./store/embedded

## bench-curve: the scaling curve of BENCHMARKS.md, delivery p99 against clients for
## the server and the fan-out ceiling (docs/scaling.png and docs/scaling.md; a few minutes)
CURVE_FLAGS ?=
bench-curve:
	$(GO) run ./bench/curve $(CURVE_FLAGS)

clean:
	rm -rf bin data
