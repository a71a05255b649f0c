# grouprise — build, run and test. `make run` and `make test` work on a fresh Debian 12:
# as root they install the Debian packages they need; Go modules come from the module proxy.

GO        ?= go
export GOTOOLCHAIN := local
TAGS      := sqlite_fts5
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
BIN       := bin/grouprise
VAR       := $(CURDIR)/var
DEV_ENV   := GROUPRISE_CONFIG=$(VAR)/conf.d

# Debian packages the tests need: a C compiler for SQLite (cgo), PostgreSQL's server,
# Chromium for the browser test, and MariaDB's server and client for the import from a Django
# grouprise on MySQL (the -core packages: the tests start their own server, none is enabled),
# and sqlite3, the client `grouprise dbshell` starts.
TEST_PACKAGES := gcc libc6-dev postgresql chromium systemd libjs-leaflet mariadb-server-core mariadb-client-core sqlite3

# Debian packages that build the .deb and check it.
DEB_PACKAGES := build-essential debhelper po-debconf lintian dpkg-dev

.PHONY: build run test bench lint clean test-deps deb deb-deps systest piuparts

build:
	$(GO) build -tags $(TAGS) -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/grouprise

# A local site on SQLite under ./var (configuration in ./var/conf.d) with demo data, served at
# http://127.0.0.1:8080 with the task runner beside it (mails are printed, not sent).
run: build $(VAR)/conf.d/100-local.yaml
	$(DEV_ENV) $(BIN) migrate
	$(DEV_ENV) $(BIN) demo --if-empty
	@echo "serving http://127.0.0.1:8080 (Ctrl-C stops)"
	@$(DEV_ENV) $(BIN) tasks & tasks=$$!; trap 'kill $$tasks 2>/dev/null' EXIT INT TERM; $(DEV_ENV) $(BIN) web

$(VAR)/conf.d/100-local.yaml:
	mkdir -p $(VAR)/conf.d $(VAR)/media $(VAR)/backups
	{ echo "# Written once by 'make run' for a local development site."; \
	  echo "domain: localhost"; \
	  echo "secret_key: '$$(head -c 32 /dev/urandom | base64 | tr -d '/+=')'"; \
	  echo "data_path: $(VAR)"; \
	  echo "backup_path: $(VAR)/backups"; \
	  echo "transport_security: disabled"; \
	  echo "email_submission: {backend: console}"; \
	  echo "web: {listen: '127.0.0.1:8080'}"; \
	  echo "lmtp: {listen: '127.0.0.1:8025'}"; \
	  echo "tasks: {listen: $(VAR)/tasks.sock}"; } > $@.tmp
	mv $@.tmp $@

# Every test runs on SQLite and on PostgreSQL (a throwaway cluster the tests start themselves).
test: test-deps lint
	$(GO) test -race -tags $(TAGS) -count=1 ./...

# Benchmarks (no timing is asserted by tests): notification fan-out to 1,000 subscribers, …
bench: test-deps
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchtime 3x ./...

test-deps:
	@# PostgreSQL runs as an unprivileged user; a root directory without o+x (seen in minimal
	@# containers) would hide every path from it.
	@if [ "$$(id -u)" = 0 ] && [ "$$(stat -c %A / | cut -c10)" != x ]; then \
	  echo "making / traversable for the PostgreSQL test cluster (chmod o+x /)"; chmod o+x /; fi
	@missing=""; \
	for p in $(TEST_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing \
	    || { command -v gcc >/dev/null && command -v chromium >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 \
	         && echo "apt-get reported errors while configuring (a container with a read-only /etc?);" \
	                 "gcc, Chromium and the PostgreSQL server are unpacked, so the tests can run"; }; \
	  else \
	    echo "missing Debian packages:$$missing (run 'make test' as root to install them)"; \
	  fi; \
	fi

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...

# The Debian package: modules vendored for an offline build (vendor/ is not committed), then
# dpkg-buildpackage and lintian (errors fail; warnings are explained in the overrides).
deb: deb-deps
	$(GO) mod vendor
	rm -rf dist && mkdir -p dist
	dpkg-buildpackage -us -uc -b --no-sign
	mv ../grouprise_*.deb ../grouprise-dbgsym_*.deb ../grouprise_*.changes ../grouprise_*.buildinfo dist/
	rm -rf vendor
	@lintian --fail-on error --info dist/grouprise_*.deb > dist/lintian.log 2>&1; status=$$?; \
	grep -v "running with root privileges" dist/lintian.log || true; echo "lintian: exit $$status"; exit $$status

# The system test: the package installed on a booted Debian 12 (systemd-nspawn) with nginx
# and Postfix, on SQLite and on PostgreSQL (see debian/tests/systest.sh).
systest: deb
	debian/tests/systest.sh $(firstword $(wildcard dist/grouprise_*.deb))

# piuparts: install, remove and purge in a chroot (no systemd there), on the systest's image
# (run make systest once first; piuparts wants the base as .tgz).
PIUPARTS_BASE := /var/cache/grouprise-systest/cache/piuparts-base.tgz
piuparts: deb
	@command -v piuparts >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends piuparts
	@[ -s $(PIUPARTS_BASE) ] || zstd -dc $$(ls -t /var/cache/grouprise-systest/cache/rootfs-*.tar.zst | head -n 1) | gzip -1 > $(PIUPARTS_BASE)
	piuparts -d bookworm -m $$(awk '/^URIs:/{print $$2; exit}' /etc/apt/sources.list.d/debian.sources) -b $(PIUPARTS_BASE) \
		$(firstword $(wildcard dist/grouprise_*.deb))

deb-deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else echo "missing Debian packages:$$missing (run as root to install them)"; exit 1; fi; \
	fi

clean:
	rm -rf bin dist vendor
