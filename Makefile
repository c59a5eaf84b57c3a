# SPDX-License-Identifier: GPL-2.0
#
# Entry points (see README.md):
#   make deps    install build and test dependencies (Debian 12, root)
#   make all     build libblksnap and the blksnap CLI into build/
#   make module  build blksnap.ko for the running kernel (KVER=, KDIR= to override)
#   make check   unit tests, static checks and the VM suite on every listed kernel
#   make demo    the walkthrough inside a throwaway guest
BUILD ?= build
KERNEL ?= $(firstword $(shell sed -e 's/\#.*//' -e '/^[[:space:]]*$$/d' tests/vm/kernels))

.PHONY: all deps userspace module check check-unit check-static check-vm demo perf clean

all: userspace

deps:
	./scripts/install-deps.sh

userspace:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j2

module:
	$(MAKE) -C module

# `make deb` proves the packages build from a clean tree (with lintian);
# the guests then run two at a time: every listed kernel's VM suite and
# the packaged guest (the debs installed with DKMS, tests/packaging).
# Each step prints its own time; tests/vm/README says which cases run on
# which kernels.
check: deps
	@t=$$(date +%s); $(MAKE) userspace && \
	echo "check: userspace built in $$(( $$(date +%s) - t ))s"
	@t=$$(date +%s); $(MAKE) check-unit && \
	echo "check: unit tests took $$(( $$(date +%s) - t ))s"
	@t=$$(date +%s); $(MAKE) check-static && \
	echo "check: static checks took $$(( $$(date +%s) - t ))s"
	@t=$$(date +%s); $(MAKE) deb && \
	echo "check: packages built in $$(( $$(date +%s) - t ))s"
	@t=$$(date +%s); env -u MAKEFLAGS -u MFLAGS ./tests/vm/run.sh --packaging $(CURDIR)/$(BUILD)/deb && \
	echo "check: guests took $$(( $$(date +%s) - t ))s"

check-unit:
	ctest --test-dir $(BUILD) --output-on-failure

check-static:
	./scripts/check-static.sh

check-vm:
	env -u MAKEFLAGS -u MFLAGS ./tests/vm/run.sh

demo: deps
	$(MAKE) userspace
	./tests/vm/run.sh --demo -k $(KERNEL)

clean:
	rm -rf $(BUILD)
	$(MAKE) -C module clean KDIR=/usr/src/linux-headers-$(KERNEL) 2>/dev/null || true

# The long soak, by hand (not part of check, whose soak is short): one
# hour on the first listed kernel, in its 2-vCPU guest ("# cpus: 2");
# SOAK_SECONDS= to change it.
SOAK_SECONDS ?= 3600
.PHONY: soak
soak: deps
	$(MAKE) userspace
	env -u MAKEFLAGS -u MFLAGS ./tests/vm/run.sh -k $(KERNEL) -c soak_snapshot_lifecycle \
		--soak-seconds $(SOAK_SECONDS) --case-timeout $$(( $(SOAK_SECONDS) + 600 ))

# Benchmarks (not part of check): ratios printed per kernel.
perf: deps
	$(MAKE) userspace
	./tests/vm/run.sh --perf -k $(KERNEL)

# Debian packages (blksnap-dkms, blksnap-tools, libblksnap1, libblksnap-dev)
# into build/deb, then lintian; and the packaged-guest test of issue 12 on
# the first listed kernel (tests/packaging/run.sh; README "Installing").
.PHONY: deb check-packaging check-packaging-guest
deb:
	./scripts/build-deb.sh $(CURDIR)/$(BUILD)/deb

check-packaging: deb
	$(MAKE) check-packaging-guest

# The guest alone, on the packages `make deb` left in $(BUILD)/deb.
check-packaging-guest:
	env -u MAKEFLAGS -u MFLAGS ./tests/packaging/run.sh -k $(KERNEL) --debs $(CURDIR)/$(BUILD)/deb
