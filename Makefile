# place: the two commands that matter are `make run` and `make test`.
SHELL     := bash
GO        ?= go
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: run cluster build test test-go test-js fuzz lint generate check-generate bench bench-curve bench-curve-cluster vendor-js clean clean-data

## run: build and start the whole product in embedded mode on http://localhost:3000
## (make run PORT=8080 for another port; ARGS="--cooldown 1s" for other flags of place serve)
run:
	$(GO) run ./cmd/place serve $(if $(PORT),--addr :$(PORT)) $(ARGS)

## cluster: build and start cluster mode on http://localhost:8080 from this machine's redis-server,
## PostgreSQL and nginx (data under ./data/cluster, kept between runs; Ctrl-C stops it all)
CLUSTER_FLAGS ?=
cluster: build
	exec bin/place cluster $(CLUSTER_FLAGS)

## build: build the binary into bin/place
build:
	$(GO) build -o bin/place ./cmd/place

## test: every check and every test (services and browsers are skipped when absent,
## unless PLACE_REQUIRE_SERVICES=1)
test: lint test-go test-js fuzz

# Verbose so that every "SKIPPING: …" line shows; the summary keeps the
# package results, skips and failures, and a failure prints the full log.
test-go:
	@set -o pipefail; $(GO) test -race -timeout 30m -v $(PKGS) > .test-go.log 2>&1; status=$$?; \
	grep -E '^(ok|FAIL|panic:|--- FAIL)|SKIPPING:' .test-go.log | awk '!seen[$$0]++'; \
	if [ $$status -ne 0 ]; then echo "---- go test failed; log follows ----"; grep -v -E '^=== (RUN|PAUSE|CONT)' .test-go.log | tail -n 600; fi; \
	exit $$status

test-js:
	node --test --test-reporter=dot assets/js/test/

## fuzz: a short run of the message decoder's fuzz targets and of raw frames
## written to a live WebSocket endpoint
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzWebSocketFrames$$' -fuzztime $(FUZZTIME) ./realtime
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeClientMessage$$' -fuzztime $(FUZZTIME) ./realtime
	$(GO) test -run '^$$' -fuzz '^FuzzPlaceFastMatchesJSON$$' -fuzztime $(FUZZTIME) ./realtime

## lint: formatting, vet, staticcheck and freshness of generated templ code
lint: check-generate
	@! git grep -n -E '^(<<<<<<< |>>>>>>> )' -- . || (echo "unresolved merge conflict markers above" && exit 1)
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

## bench: Go benchmarks of the hot paths (the history writer's, which first
## store millions of rows, run on their own: see BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -skip 'HistoryWriter|RecentPixelHistory' -benchmem ./realtime ./store/embedded

## vendor-js: refresh the vendored browser libraries (htmx, its SSE extension)
## and the test-only axe-core from the npm registry; bump the versions here
HTMX_VERSION     ?= 2.0.11
HTMX_SSE_VERSION ?= 2.2.4
AXE_VERSION      ?= 4.14.1
vendor-js:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cd "$$tmp" && npm pack --silent htmx.org@$(HTMX_VERSION) htmx-ext-sse@$(HTMX_SSE_VERSION) axe-core@$(AXE_VERSION) >/dev/null; \
	for f in *.tgz; do mkdir "$${f%.tgz}"; tar xzf "$$f" -C "$${f%.tgz}"; done; cd - >/dev/null; \
	cp "$$tmp/htmx.org-$(HTMX_VERSION)/package/dist/htmx.min.js" assets/vendor/htmx/htmx.min.js; \
	cp "$$tmp/htmx.org-$(HTMX_VERSION)/package/LICENSE" assets/vendor/htmx/LICENSE; \
	cp "$$tmp/htmx-ext-sse-$(HTMX_SSE_VERSION)/package/dist/sse.min.js" assets/vendor/htmx-ext-sse/sse.min.js; \
	cp "$$tmp/htmx-ext-sse-$(HTMX_SSE_VERSION)/package/LICENSE" assets/vendor/htmx-ext-sse/LICENSE; \
	cp "$$tmp/axe-core-$(AXE_VERSION)/package/axe.min.js" internal/app/testdata/axe.min.js; \
	cp "$$tmp/axe-core-$(AXE_VERSION)/package/LICENSE" internal/app/testdata/axe-core.LICENSE; \
	echo "vendored htmx.org $(HTMX_VERSION), htmx-ext-sse $(HTMX_SSE_VERSION), axe-core $(AXE_VERSION); update assets/vendor/VERSIONS.md"

## bench-curve: the scaling curve of BENCHMARKS.md, delivery p99 against clients for
## the server and the fan-out ceiling (docs/scaling.png and docs/scaling.md; a few minutes)
CURVE_FLAGS ?=
bench-curve:
	$(GO) run ./bench/curve $(CURVE_FLAGS)

## bench-curve-cluster: the same curve for one cluster-mode instance, on the Redis and
## PostgreSQL of REDIS_URL and DATABASE_URL (createdb place_curve first; docs/scaling-cluster.png and .md)
REDIS_URL ?= redis://127.0.0.1:6379/0
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/place_curve
bench-curve-cluster:
	$(GO) run ./bench/curve --servers place-cluster,ceiling --redis-url $(REDIS_URL) --database-url $(DATABASE_URL) \
		--png docs/scaling-cluster.png --table docs/scaling-cluster.md $(CURVE_FLAGS)

## clean: remove build output; ./data (the canvas, its history, every account and the
## local cluster's databases) is kept: delete it yourself, or make clean-data
clean:
	rm -rf bin
	@if [ -d data ]; then echo "kept ./data (the canvas, history and accounts): make clean-data deletes it"; fi

## clean-data: delete ./data for good (stop the servers first; place backup keeps a copy)
clean-data:
	rm -rf data
