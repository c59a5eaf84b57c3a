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

#endif /* BLKSNAP_TEST_FAKE_MODULE_H */
