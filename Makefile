# feishu-push. `make demo` shows it working against a local fake Feishu;
# `make test` is what CI runs.

GO       ?= go
BIN      := bin/feishu-push
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/feishu-push/feishu-push/pkg/cli.Version=$(VERSION)
# Fuzz targets, as package:Target. `make test` runs each briefly.
FUZZ     := \
	./pkg/feishu:FuzzParseRecipient \
	./pkg/feishu:FuzzParseRecipientList \
	./pkg/feishu:FuzzParsePost \
	./pkg/card:FuzzRender \
	./pkg/card:FuzzValidate \
	./pkg/card:FuzzTemplateBudget \
	./pkg/render:FuzzMarkdown \
	./pkg/render:FuzzCard \
	./pkg/vchart:FuzzSVG \
	./pkg/spool:FuzzDecode \
	./pkg/listen:FuzzDecode \
	./pkg/larkws:FuzzFrame
FUZZTIME ?= 3s

.PHONY: all build install test unit fuzz lint corpus demo bench race screenshot man clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/feishu-push

install:
	$(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/feishu-push

## test: lint, every test (the CLI as a process included), then a short fuzz of each target
test: lint unit
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME)

unit:
	$(GO) test -count=1 ./...

## fuzz: FUZZTIME=60s make fuzz for a longer run
fuzz:
	@set -e; for t in $(FUZZ); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME); \
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

## bench: Go benchmarks, then fan-out, cron-style and webhook runs against the fake; writes BENCHMARKS.md
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/... | tee bin/gobench.txt
	$(GO) run ./cmd/feishu-push-bench -bin $(BIN) -gobench bin/gobench.txt -out BENCHMARKS.md

## screenshot: redraw docs/dashboard*.png with headless Chromium (the browser tests)
screenshot:
	UPDATE_DOCS=1 $(GO) test -count=1 -run TestInboxInBrowser ./pkg/inbox
	UPDATE_DOCS=1 $(GO) test -count=1 -run TestDashboardScreenshots ./pkg/cli

## man: man pages from the command tree, into man/
man:
	$(GO) run ./cmd/feishu-push-man -dir man

race:
	$(GO) test -race -count=1 ./...

clean:
	rm -rf bin man
