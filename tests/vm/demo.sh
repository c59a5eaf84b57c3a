# SPDX-License-Identifier: GPL-2.0
# The walkthrough `make demo` shows, run as root inside a throwaway guest.
# It grows with the product: today the module handshake.
export PATH=$BLKSNAP_BUILD/tools/blksnap-cli:$PATH

show() {
	echo
	echo "# $*"
	"$@"
}

echo "Guest kernel $(uname -r); the host's root is mounted read-only."
show modprobe blksnap
show ls -l /dev/blksnap-control
show modinfo -F parm blksnap
show blksnap version
show blksnap version --json
show rmmod blksnap
show blksnap version
echo "(exit code $?: the module is not loaded any more)"
