/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fixed device state fake_module.c reports, shared with the tests that
 * check what the CLI makes of it.
 */
#ifndef BLKSNAP_TEST_FAKE_MODULE_H
#define BLKSNAP_TEST_FAKE_MODULE_H

#define FAKE_BLOCK_SIZE		65536
#define FAKE_CAPACITY		(5 * 65536 + 4096)
#define FAKE_CHANGES		5
#define FAKE_GENERATION		"6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a"
#define FAKE_GENERATION_BYTES	0x6f, 0x1c, 0x2f, 0x0e, 0x5b, 0x7d, 0x4c, 0x1e, \
				0x9a, 0x7b, 0x2d, 0x0c, 0x4c, 0x8e, 0x1f, 0x3a

/*
 * Snapshots.  Snapshot i (created, or one of FAKE_MODULE_SNAPSHOTS=N
 * existing ones) has id FAKE_SNAPSHOT_ID with i added to its last byte.
 * SNAPSHOTINFO knows two devices: the tests' disk 7:99, whose image is
 * FAKE_IMAGE, and 7:100, whose image FAKE_IMAGE2 is corrupted (-EIO).
 *
 * Environment of the fake (all optional):
 *   FAKE_MODULE_LOG=FILE        append one line per attach, detach,
 *                               create, add, take, destroy, info and
 *                               mark-dirty request: "take ID = -5",
 *                               "dirty 7:99 SECTOR+COUNT... = 0"
 *   FAKE_MODULE_FAIL=OP:ERRNO   request OP (the log's word) fails with
 *                               ERRNO (a number) every time
 *   FAKE_MODULE_ATTACHED=no     devices start without a filter: attach
 *                               succeeds, detach of an attached one too;
 *                               otherwise attach is always EALREADY and
 *                               detach ENOENT
 *   FAKE_MODULE_SNAPSHOTS=N     N snapshots exist from the start
 *   FAKE_MODULE_EVENTS=E,E...   WAIT_EVENT answers in turn: low_free_space,
 *                               corrupted, no_space, timeout (ENOENT) or
 *                               destroyed (the snapshot goes, ENOENT);
 *                               when the list is used up, destroyed
 */
#define FAKE_SNAPSHOT_ID	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c40"
#define FAKE_SNAPSHOT_ID1	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c41"
#define FAKE_SNAPSHOT_ID_BYTES	0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x4a, 0x6b, \
				0x8c, 0x7d, 0x9e, 0x0f, 0x1a, 0x2b, 0x3c, 0x40
#define FAKE_IMAGE		"blksnap-disk"
#define FAKE_IMAGE2		"blksnap-disk2"
#define FAKE_LOW_SECTORS	2048

#endif /* BLKSNAP_TEST_FAKE_MODULE_H */
