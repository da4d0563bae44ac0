# feishu-push. `make demo` shows it working against a local fake Feishu;
# `make test` is what CI runs.

GO       ?= go
BIN      := bin/feishu-push
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
# The commit's own time, so that a build of a commit is the same every time.
DATE     ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS  := -s -w -X github.com/feishu-push/feishu-push/pkg/cli.Version=$(VERSION) \
	-X github.com/feishu-push/feishu-push/pkg/cli.Commit=$(COMMIT) -X github.com/feishu-push/feishu-push/pkg/cli.Date=$(DATE)
# Fuzz targets, as package:Target. `make test` runs each briefly.
# Each fuzz target with the executions that take it a few seconds here. A
# count, not a duration: Go 1.26's fuzzer can fail a run whose -fuzztime
# deadline lands while a worker is busy ("context deadline exceeded", no
# failing input; golang/go#75804, fixed in Go 1.27). FUZZTIME=1000000x (or
# a duration, such as 60s) overrides every target's budget.
FUZZ     := \
	./pkg/feishu:FuzzParseRecipient:40000x \
	./pkg/feishu:FuzzParseRecipientList:4000x \
	./pkg/feishu:FuzzParsePost:60000x \
	./pkg/card:FuzzRender:10000x \
	./pkg/card:FuzzValidate:100000x \
	./pkg/card:FuzzTemplateBudget:20000x \
	./pkg/render:FuzzMarkdown:12000x \
	./pkg/render:FuzzCard:100000x \
	./pkg/vchart:FuzzSVG:30000x \
	./pkg/spool:FuzzDecode:30000x \
	./pkg/listen:FuzzDecode:100000x \
	./pkg/larkws:FuzzFrame:60000x \
	./pkg/metrics:FuzzParse:100000x
FUZZTIME ?=

.PHONY: all build install test unit fuzz lint corpus demo bench race screenshot man completions clean \
	cross release-check release-snapshot image actionlint ci-release tools
all: build

# A static binary: no dynamic loader or libc to map at every start.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/feishu-push

install:
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/feishu-push

## test: lint, every test (the CLI as a process included), then a short fuzz of each target
test: lint unit
	@$(MAKE) --no-print-directory fuzz

# unit runs every test with -v into bin/unit.log and shows each package's
# result, every skipped test with its reason (a browser, systemd-analyze or
# shellcheck missing), and the figures some tests report; on a failure, the
# whole log. A skip never passes unseen.
unit:
	@mkdir -p bin; rc=0; $(GO) test -count=1 -v ./... >bin/unit.log 2>&1 || rc=$$?; \
	if [ $$rc -ne 0 ]; then cat bin/unit.log; fi; \
	awk '/^(ok|FAIL|\?) /{print; next} /^=== /{why=""} /^ +[^ ]+\.go:[0-9]+: /{why=$$0} /--- SKIP/{print; if (why != "") print why; why=""; next} /^ +[a-z_]+_test\.go:[0-9]+: .*(exposure|not linted)/{print}' bin/unit.log; \
	exit $$rc

## fuzz: FUZZTIME=1000000x make fuzz for a longer run
fuzz:
	@set -e; for t in $(FUZZ); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${FUZZTIME:-$${rest#*:}}; \
		echo "fuzz $$name ($$budget)"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name$$" -fuzztime $$budget; \
	done

## corpus: run the shared corpus of real cards (../shared/cards-corpus, or CARDS_CORPUS=dir) through
## lint, the fake Feishu and the renderer; skipped with a message when the folder is absent
corpus:
	$(GO) test -count=1 -run 'Corpus' -v ./pkg/card ./pkg/feishutest ./pkg/render

lint:
	@out=$$(gofmt -l cmd pkg); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## demo: build, start the sandbox, push the example dashboard and cards to it, show what arrived
demo: build
	@sh examples/demo.sh $(BIN)

## bench: Go benchmarks, then fan-out, cron-style and webhook runs against the strict fake; writes
## BENCHMARKS.md and fails if the fake refused any fan-out request for a rate limit.
## BENCH_RECIPIENTS=1000,2000 adds the two-minute run; BENCH_BASELINE=path compares start-up with
## an earlier binary; BENCH_PAIRS sets the interleaved pairs per start-up comparison.
BENCH_RECIPIENTS ?= 1000
BENCH_PAIRS      ?= 30
BENCH_BASELINE   ?=
BENCH_BASELINE_LABEL ?= baseline
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/... | tee bin/gobench.txt
	$(GO) run ./cmd/feishu-push-bench -bin $(BIN) -gobench bin/gobench.txt -out BENCHMARKS.md \
		-recipients $(BENCH_RECIPIENTS) -pairs $(BENCH_PAIRS) $(if $(BENCH_BASELINE),-baseline $(BENCH_BASELINE) -baseline-label '$(BENCH_BASELINE_LABEL)')

## screenshot: redraw docs/dashboard*.png with headless Chromium (the browser tests)
screenshot:
	UPDATE_DOCS=1 $(GO) test -count=1 -run TestInboxInBrowser ./pkg/inbox
	UPDATE_DOCS=1 $(GO) test -count=1 -run TestDashboardScreenshots ./pkg/cli

## man: man pages from the command tree, into man/
man:
	$(GO) run ./cmd/feishu-push-man -dir man

## completions: bash, zsh and fish completion scripts, into completions/
completions:
	@mkdir -p completions
	$(GO) run ./cmd/feishu-push completion bash > completions/feishu-push.bash
	$(GO) run ./cmd/feishu-push completion zsh > completions/_feishu-push
	$(GO) run ./cmd/feishu-push completion fish > completions/feishu-push.fish

## Release, image and platform checks (CI runs them after `make test`).
# Tools are installed once with `go install` at pinned versions into TOOLS,
# one directory per version, so later runs reuse them.
TOOLS              ?= $(HOME)/.cache/feishu-push/tools
GORELEASER_VERSION := v2.16.0
ACTIONLINT_VERSION := v1.7.12
GORELEASER         := $(TOOLS)/goreleaser-$(GORELEASER_VERSION)/goreleaser
ACTIONLINT         := $(TOOLS)/actionlint-$(ACTIONLINT_VERSION)/actionlint
PLATFORMS          := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
IMAGE_TAR          := dist/image/feishu-push-image.tar

$(GORELEASER):
	GOBIN=$(dir $@) $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)

$(ACTIONLINT):
	GOBIN=$(dir $@) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

tools: $(GORELEASER) $(ACTIONLINT)

## cross: build and vet every package for each release platform
cross:
	@set -e; for p in $(PLATFORMS); do \
		echo "build + vet $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build ./... ; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) vet ./... ; \
	done

## release-check: validate .goreleaser.yaml
release-check: $(GORELEASER)
	$(GORELEASER) check

## release-snapshot: everything a tag would produce, into dist/, published nowhere
release-snapshot: $(GORELEASER)
	$(GORELEASER) release --snapshot --clean
	sh .ci/check-dist.sh dist

## image: the container image, built without a daemon or base image, then run and checked
image:
	@mkdir -p bin/image $(dir $(IMAGE_TAR))
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/image/feishu-push ./cmd/feishu-push
	cd .ci/image && $(GO) run . build -bin ../../bin/image/feishu-push -version $(VERSION) -out ../../$(IMAGE_TAR)
	cd .ci/image && $(GO) run . check ../../$(IMAGE_TAR)

## actionlint: the example workflow and CI workflow, with action.yml as the local action
actionlint: $(ACTIONLINT)
	$(ACTIONLINT) -no-color examples/github-actions/*.yml .github/workflows/*.yml

## ci-release: what CI checks besides `make test`
ci-release: cross actionlint release-check release-snapshot image

race:
	$(GO) test -race -count=1 ./...

clean:
	rm -rf bin man completions dist
