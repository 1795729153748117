# The two commands of the README: `make demo` and `make test`. Each one first
# installs what is missing (Debian packages, Go modules), so a fresh Debian 12
# machine needs nothing else done first.

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
export GOFLAGS := -buildvcs=false
# The GLES backend of Fyne builds in about a minute instead of four (platform.md).
TAGS := gles
GO ?= go
FUZZTIME ?= 60s

.PHONY: all setup build lint test test-only fleet-test bench fuzz demo soak image image-test bundle update-test clean

all: build

setup:
	@bash scripts/setup-deps.sh
	@$(GO) mod download

# The version and commit every binary reports (-version), from git when the
# checkout has its history; "dev" otherwise.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/danbib/kiosk/internal/version.Version=$(VERSION) -X github.com/danbib/kiosk/internal/version.Commit=$(COMMIT)

build: setup
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

lint: setup
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted: $$unformatted"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) tool staticcheck -tags $(TAGS) ./...

# The emulated-USB tests fail when umockdev is missing (setup installs it);
# KIOSK_SKIP_UMOCKDEV=1 in the environment skips them on purpose instead.
test: setup lint test-only

# The second run is the race detector over the packages with goroutines of
# their own (kiosk/ui stays without: Fyne under -race is slow and not ours).
# The core soak runs RACE_SOAK_SESSIONS sessions there instead of 10,000: the
# full count takes about 80 s under -race on 2 cores, 2,000 about 17 s, and
# the run without -race above keeps the full count.
RACE_PKGS := ./kiosk/ ./sip2/... ./rfid/... ./printer/... ./scanner/... ./control/ ./sound/
RACE_SOAK_SESSIONS ?= 2000
test-only:
	$(GO) test -tags $(TAGS) -count=1 -timeout 15m ./...
	KIOSK_SOAK_SESSIONS=$(RACE_SOAK_SESSIONS) $(GO) test -tags $(TAGS) -race -count=1 -timeout 15m $(RACE_PKGS)
	@$(MAKE) --no-print-directory fleet-test

# Two headless kiosk cores scraped by a real Prometheus (scripts/fleet-test.sh,
# packaging/monitoring/README.md); about 20 s, so `make test` runs it too.
# Only this target installs Debian's prometheus (and curl), when missing.
fleet-test:
	@bash scripts/setup-deps.sh fleet
	@bash scripts/fleet-test.sh

# The stack rows come from Go benchmarks; the ui_ rows from the real kiosk
# window and a bare Fyne window under Xvfb (scripts/bench-ui.sh).
bench: setup
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchtime 3x ./rfid/... ./kiosk/ ./sound/ 2>&1 | tee bench.out | grep -v '^goos\|^goarch\|^pkg\|^cpu'
	bash scripts/bench-ui.sh | tee -a bench.out

# Runs every fuzz target for FUZZTIME each (60 s by default).
fuzz: setup
	@bash scripts/fuzz.sh $(FUZZTIME)

demo: setup
	@bash scripts/demo.sh

# The UI soak (docs/soak.md): 500 sessions through the real kiosk under Xvfb,
# failing on memory growth. Not part of `make test`: it takes about an hour.
soak: setup
	@bash scripts/soak.sh

# The kiosk OS image (packaging/image/README.md): needs root, mmdebstrap and
# network access to a Debian mirror; not part of `make test`.
IMAGE_OUT ?= $(abspath ..)/image-out
image: build
	bash packaging/image/build.sh $(IMAGE_OUT)

# Provisions a copy of the image as one kiosk and boots it in QEMU (OVMF)
# twice (packaging/image/README.md, "Test"): the real kiosk.service, which
# must stay up past three watchdog intervals, come back within 15 s when its
# process is killed, run read-only with the provisioned id and pass the
# lockdown checks; then the demo, after what is a power cycle for the disk;
# then a copy provisioned with an invalid configuration, which must say so
# on its out-of-order screen.
image-test:
	bash packaging/image/image-test.sh $(IMAGE_OUT)

# A signed RAUC bundle (verity) of the image's root slot, for A/B updates
# (packaging/image/README.md, "Updates"): needs root and `make image`
# first; installs rauc if missing. BUNDLE_VERSION names it; RAUC_KEY and
# RAUC_CERT give the production key, kept outside the repository (without
# them a development key is made in packaging/image/rauc/dev-keys/).
BUNDLE_VERSION ?= $(VERSION)
bundle:
	bash packaging/image/rauc/bundle.sh $(IMAGE_OUT) $(BUNDLE_VERSION)

# A/B updates in QEMU (packaging/image/README.md, "Updates"): bundles v2 and
# a broken v3 of the image; boots v1, refuses a wrongly signed and an
# unsigned bundle, installs v2 and boots it, installs v3 and watches the
# boot loader fall back to v2; then, on a fresh copy, power loss while RAUC
# writes the other slot. Needs root and `make image` first.
update-test:
	bash packaging/image/update-test.sh $(IMAGE_OUT)
	bash packaging/image/update-test.sh --power-loss $(IMAGE_OUT)

clean:
	rm -rf bin demo-out bench.out
