# Issue 18, one-disk machines: PostgreSQL under pgbench is snapshotted
# with no --storage, so the difference storage goes to the filesystem
# that holds PGDATA (ext4); pgbench goes on writing and a checkpoint
# flushes its dirty pages while the copies land on that same disk.  The
# image must be what a crash at the take leaves.  A second postgres on
# it must run crash recovery (its log says so: else the image showed a
# cluster stopped cleanly, after the take) and accept connections.  Then
# each check catches one way the image can be wrong: a page from another
# place fails its data checksum; a page from after the take carries
# transaction ids the image's WAL never reached, which MVCC hides from
# any query but amcheck's verify_heapam reports; a page older than the
# last checkpoint before the take, or lost (zeros pass the checksum),
# loses rows or committed updates, which the row counts and the TPC-B
# invariant show (the sums of the accounts', branches' and tellers'
# balances and of the history's deltas are equal); the history holds
# every transaction committed before the take and none from after it.
# The origin's data files pass their checksums (the storage's writes
# went to its own blocks), and after destroy the storage's space is
# back.  Only ext4: an xfs round would double the case's time (initdb
# and pgbench -i alone take ~15 s under TCG); the storage mechanics on
# xfs are snapshot_storage_on_its_own_filesystem's.  First kernel only:
# the interfaces it reaches (storage mapped on ext4, its writeback, the
# take's freeze of a journalling filesystem) run on every kernel in that
# case, its _crash and _grows; what this one adds is a database's view of
# the same image, and it is the longest case of the suite (2-3 min).
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

# The machine's defaults, not the config caselib gives other cases.
unset BLKSNAP_CONFIG
PGBIN=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/postgres" ] && PGBIN=$d
done
[ -n "$PGBIN" ] || fail "PostgreSQL is not installed on the host (make deps)"
load_blksnap
modprobe ext4
partition_disk1 900MiB
dev=${DISK1}1
mkdir -p /mnt/one /mnt/image

# 200000 accounts, 26 MiB: 3300 pages, more than the run touches.
SCALE=2
CLIENTS=4
# pgbench's seconds before the take and after it.
BEFORE=5
AFTER=6
ORIGIN=/mnt/one/pgdata
IMAGE=/mnt/image/pgdata

as_pg() {
	setpriv --reuid=postgres --regid=postgres --init-groups env HOME=/tmp "$@"
}

# pg_start PGDATA NAME PORT: a server with its socket in /tmp/pg-NAME and
# its log in /tmp/pg-NAME.log (outside PGDATA: the image's is the same
# directory as the origin's).
pg_start() {
	mkdir -p /tmp/pg-$2
	chown postgres: /tmp/pg-$2
	as_pg "$PGBIN/pg_ctl" start -D "$1" -l /tmp/pg-$2.log -w -t 300 \
		-o "-c port=$3 -c unix_socket_directories=/tmp/pg-$2" > /dev/null ||
		{ tail -n 20 /tmp/pg-$2.log; fail "postgres $2 did not start"; }
}

pg_stop() {
	as_pg "$PGBIN/pg_ctl" stop -D "$1" -m fast -w -t 300 > /dev/null
}

# sql NAME PORT QUERY: one unaligned result
sql() {
	as_pg "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h /tmp/pg-$1 -p $2 \
		-d postgres -c "$3"
}

# A failed check leaves no server behind, and shows what the servers said.
cleanup() {
	local rc=$?
	[ $rc -eq 0 ] && return
	for n in origin image; do
		[ -f /tmp/pg-$n.log ] && tail -n 15 /tmp/pg-$n.log | sed "s/^/pg-$n| /"
	done
	for d in $IMAGE $ORIGIN; do
		[ -f $d/postmaster.pid ] &&
			as_pg "$PGBIN/pg_ctl" stop -D $d -m immediate > /dev/null 2>&1
	done
	true
}
trap cleanup EXIT

# Used blocks no file accounts for: metadata at first, the storage
# (anonymous, preallocated) while the snapshot lives.
unaccounted_kib() {
	local used files
	used=$(used_kib /mnt/one)
	files=$(du -sxk /mnt/one | cut -f1)
	echo $((used - files))
}

mkfs.ext4 -q -F $dev
mount $dev /mnt/one
# As on a one-disk machine: /var/tmp is on this filesystem.
mkdir -p /mnt/one/var-tmp
mount --bind /mnt/one/var-tmp /var/tmp
unaccounted0=$(unaccounted_kib)

mkdir $ORIGIN
chown postgres: $ORIGIN
as_pg "$PGBIN/initdb" -D $ORIGIN -U postgres -A trust -E UTF8 --no-locale \
	--data-checksums --no-sync --no-instructions > /tmp/initdb.log 2>&1 ||
	{ cat /tmp/initdb.log; fail "initdb"; }
# Small buffers and WAL: pages are written back and WAL segments
# recycled while pgbench runs, so the origin's data files are overwritten
# after the take, not only its WAL appended.
cat >> $ORIGIN/postgresql.conf <<EOF
listen_addresses = ''
shared_buffers = 16MB
max_wal_size = 64MB
min_wal_size = 32MB
EOF
pg_start $ORIGIN origin 5432
# Server-side data, no vacuum: the quickest init under TCG.
as_pg "$PGBIN/pgbench" -h /tmp/pg-origin -p 5432 -i -I dtGp -q -s $SCALE postgres \
	> /tmp/pgbench-init.log 2>&1 || { cat /tmp/pgbench-init.log; fail "pgbench -i"; }
# The recovery on the image starts from a checkpoint of the run: it
# rebuilds from full-page images only the pages written after it, and
# reads the others as the image holds them.
sql origin 5432 CHECKPOINT > /dev/null
ok "cluster on ext4 with data checksums, pgbench -i -s $SCALE"

# pgbench in rounds until told to stop, so that the create's length,
# which varies, does not eat the time written after the take.
mkdir /tmp/pgbench-log
chown postgres: /tmp/pgbench-log
bench_rounds() {
	local r=0
	while [ ! -e /tmp/pgbench.stop ]; do
		r=$((r + 1))
		as_pg "$PGBIN/pgbench" -h /tmp/pg-origin -p 5432 -n -c $CLIENTS -j 1 -T 2 \
			-l --log-prefix=/tmp/pgbench-log/r$r postgres > /tmp/pgbench.out 2>&1 ||
			{ cat /tmp/pgbench.out; return 1; }
	done
}
bench_start=$EPOCHREALTIME
bench_rounds &
bench=$!
sleep $BEFORE
# The image's recovery starts here: a page written so far must be in the
# image as this checkpoint left it (an older one loses committed
# updates) unless written again before the take (a full-page image in
# the WAL restores it then).
sql origin 5432 CHECKPOINT > /dev/null
before=$(sql origin 5432 'select count(*) from pgbench_history')
kmsg_mark
create_start=$EPOCHREALTIME
run_capture rc out err blksnap snapshot create --json /mnt/one
create_end=$EPOCHREALTIME
echo "$err"
expect_eq "$rc" 0 "snapshot create /mnt/one with no --storage, pgbench writing"
expect_match "$err" "snapshotted filesystem" "the one line says the storage is on the snapshotted filesystem"
at_take=$(sql origin 5432 'select count(*) from pgbench_history')
SNAP_ID=$(jq -er .id <<< "$out")
img=$(jq -er '.devices[0].image' <<< "$out")
[ -b "$img" ] || fail "image $img is not a block device"
kmsg=$(kmsg_since_mark)
expect_match "$kmsg" "$(basename $dev): difference storage on it" \
	"the module mapped the storage on the snapshotted filesystem"
grep -E 'held data|writes held' <<< "$kmsg" | sed 's/^.*blksnap-[a-z_]*: /    /'
unaccounted_live=$(unaccounted_kib)
sleep $((AFTER / 2))
# Every dirty page to its data file, over blocks the image must keep.
sql origin 5432 CHECKPOINT > /dev/null
sleep $((AFTER / 2))
touch /tmp/pgbench.stop
wait $bench || fail "pgbench"
bench_end=$EPOCHREALTIME
final=$(sql origin 5432 'select count(*) from pgbench_history')
read -r storage_used storage_limit < /sys/class/misc/blksnap-control/snapshots/$SNAP_ID/storage
pg_stop $ORIGIN
# The storage's writes went to its own blocks, none to the origin's data
# files: every page of them passes its checksum.
as_pg "$PGBIN/pg_checksums" --check -D $ORIGIN > /tmp/checksums.out 2>&1 ||
	{ cat /tmp/checksums.out; fail "pg_checksums on the origin"; }
sed -n 's/^\(Blocks scanned\|Bad checksums\): */\1: /p' /tmp/checksums.out
ms() {
	echo $(( (${2/./} - ${1/./}) / 1000 ))
}
max_latency=$(cat /tmp/pgbench-log/* | awk '$3 > m { m = $3 } END { print int(m / 1000) }')
echo "pgbench: $((final * 1000 / $(ms $bench_start $bench_end))) tps, $CLIENTS clients;" \
	"longest transaction ${max_latency} ms; snapshot create took $(ms $create_start $create_end) ms"
echo "history rows: $before before the take, $at_take just after, $final at the end"
echo "storage: $((storage_used >> 20)) MiB of copies, limit $((storage_limit >> 20)) MiB," \
	"$(( (unaccounted_live - unaccounted0) >> 10 )) MiB taken from the filesystem"
[ $final -gt $((at_take + CLIENTS)) ] || fail "pgbench wrote nothing after the take"
[ $storage_used -gt 0 ] || fail "nothing was copied into the storage"

# The image as the disk a crash at the take leaves: the cluster running.
# The stale postmaster.pid is postgres's to judge, unless its pid is
# alive here.
mount $img /mnt/image
[ -f $IMAGE/postmaster.pid ] || fail "the image shows postgres stopped, not running"
pid=$(head -n 1 $IMAGE/postmaster.pid)
if kill -0 "$pid" 2>/dev/null; then
	echo "the image's postmaster.pid names pid $pid, alive here: removed"
	rm $IMAGE/postmaster.pid
fi
pg_start $IMAGE image 5433
log=$(cat /tmp/pg-image.log)
expect_match "$log" "database system was not properly shut down; automatic recovery in progress" \
	"postgres on the image ran crash recovery"
expect_match "$log" "redo done at" "its redo ended"
grep -E 'redo (starts|done)' /tmp/pg-image.log | sed 's/^.*LOG: */    /'

# Every page read below is checked against its checksum.
sums=$(sql image 5433 "select
	(select count(*) || ' ' || sum(abalance) from pgbench_accounts),
	(select count(*) || ' ' || sum(bbalance) from pgbench_branches),
	(select count(*) || ' ' || sum(tbalance) from pgbench_tellers),
	(select count(*) || ' ' || coalesce(sum(delta), 0) from pgbench_history)")
IFS='| ' read -r naccounts accounts nbranches branches ntellers tellers rows deltas <<< "$sums"
echo "image: balances: accounts $accounts, branches $branches, tellers $tellers;" \
	"history $deltas in $rows rows"
# A page lost (zeros pass the checksum) takes its rows with it.
expect_eq "$naccounts $nbranches $ntellers" "$((SCALE * 100000)) $SCALE $((SCALE * 10))" \
	"rows of accounts, branches, tellers"
expect_eq "$branches" "$accounts" "sum of branch balances = sum of account balances"
expect_eq "$tellers" "$accounts" "sum of teller balances = sum of account balances"
expect_eq "$deltas" "$accounts" "sum of history deltas = sum of account balances"
[ $rows -ge $before ] && [ $before -gt 0 ] ||
	fail "the image lost transactions committed before the take: $rows rows, $before before it"
# A transaction may commit (its WAL on disk before the take) and show
# only after the count that followed the take: one per client at most.
[ $rows -le $((at_take + CLIENTS)) ] ||
	fail "the image has transactions from after the take: $rows rows, $at_take just after it"
ok "the image holds the $rows transactions of the take, none after"
sql image 5433 'create extension amcheck' > /dev/null
bad=$(sql image 5433 "select count(*) from pg_class c, verify_heapam(c.oid)
	where c.relname in ('pgbench_accounts', 'pgbench_branches', 'pgbench_tellers', 'pgbench_history')")
expect_eq "$bad" 0 "amcheck verify_heapam: corrupt tuples"
checked=$(sql image 5433 "select count(*) from (select bt_index_parent_check(c.oid, true)
	from pg_class c where c.relname like 'pgbench\\_%\\_pkey') s") ||
	fail "amcheck bt_index_parent_check found an index unsound"
expect_eq "$checked" 3 "indexes checked by bt_index_parent_check"
ok "amcheck: heaps and indexes sound"
pg_stop $IMAGE
umount /mnt/image

blksnap snapshot destroy $SNAP_ID
umount /var/tmp
[ -z "$(ls -A /mnt/one/var-tmp)" ] || fail "files left in /var/tmp: $(ls -A /mnt/one/var-tmp)"
sync
for i in $(seq 50); do
	[ $(unaccounted_kib) -le $((unaccounted0 + 8192)) ] && break
	sleep 0.2
done
echo "used by no file: ${unaccounted0} KiB at mkfs, ${unaccounted_live} KiB with the snapshot," \
	"$(unaccounted_kib) KiB after destroy"
[ $unaccounted_live -gt $((unaccounted0 + 8192)) ] ||
	fail "the storage did not show as used space while the snapshot lived"
[ $(unaccounted_kib) -le $((unaccounted0 + 8192)) ] || fail "the storage's space did not come back"
umount /mnt/one
blksnap detach $dev
ok "no storage left, space back"
