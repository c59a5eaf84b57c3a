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
# the packaged guest (check-packaging) is not here: its two DKMS builds
# under TCG cost more than a CI run has (README, "Installing").
check: deps
	$(MAKE) userspace
	$(MAKE) check-unit
	$(MAKE) check-static
	$(MAKE) deb
	$(MAKE) check-vm

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
