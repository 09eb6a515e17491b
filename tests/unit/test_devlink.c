/* SPDX-License-Identifier: MIT */
/*
 * devlink: the generic netlink messages of the eswitch mode, built and
 * parsed as bytes, and the error path against the running kernel (which
 * has no devlink family, or no devlink instance for a made-up device).
 * Setting a real mode is the VM tier's (netdevsim): tests/vm/guest/netdevsim.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>

#include "devlink.h"
#include "unit.h"

/* The string attribute type of a generic netlink message; NULL if absent. */
static const char *str_attr(const void *buf, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, (const struct nlmsghdr *)buf, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_get_type(a) == type)
			return mnl_attr_get_str(a);
	}
	return NULL;
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(eswitch_mode_name(ESWITCH_MODE_LEGACY), "legacy");
	assert_string_equal(eswitch_mode_name(ESWITCH_MODE_SWITCHDEV), "switchdev");
	assert_null(eswitch_mode_name(ESWITCH_MODE_UNSET));
	assert_int_equal(eswitch_mode_from_name("switchdev"), ESWITCH_MODE_SWITCHDEV);
	assert_int_equal(eswitch_mode_from_name("legacy"), ESWITCH_MODE_LEGACY);
	assert_int_equal(eswitch_mode_from_name("Legacy"), ESWITCH_MODE_UNSET);
	assert_int_equal(eswitch_mode_from_name(NULL), ESWITCH_MODE_UNSET);
	/* unset is zero: a zeroed host knows no mode */
	assert_int_equal(ESWITCH_MODE_UNSET, 0);
}

static void test_build_getfamily(void **state)
{
	(void)state;
	uint8_t buf[DEVLINK_REQUEST_SIZE] = {0};
	int len = devlink_build_getfamily(buf, sizeof(buf), 7);
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_type, GENL_ID_CTRL);
	assert_int_equal(nlh->nlmsg_seq, 7);
	assert_int_equal(g->cmd, CTRL_CMD_GETFAMILY);
	assert_string_equal(str_attr(buf, CTRL_ATTR_FAMILY_NAME), "devlink");
	assert_int_equal(devlink_build_getfamily(buf, 16, 7), -ENOBUFS);
}

static void test_build_eswitch(void **state)
{
	(void)state;
	uint8_t buf[DEVLINK_REQUEST_SIZE] = {0};
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	int len, modes = 0;

	len = devlink_build_eswitch_get(buf, sizeof(buf), 21, 3, "pci", "0000:3b:00.0");
	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_type, 21);
	assert_int_equal(g->cmd, DEVLINK_CMD_ESWITCH_GET);
	assert_false(nlh->nlmsg_flags & NLM_F_ACK);
	assert_string_equal(str_attr(buf, DEVLINK_ATTR_BUS_NAME), "pci");
	assert_string_equal(str_attr(buf, DEVLINK_ATTR_DEV_NAME), "0000:3b:00.0");

	len = devlink_build_eswitch_set(buf, sizeof(buf), 21, 4, "netdevsim", "netdevsim10",
					ESWITCH_MODE_SWITCHDEV);
	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(g->cmd, DEVLINK_CMD_ESWITCH_SET);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK);
	assert_string_equal(str_attr(buf, DEVLINK_ATTR_DEV_NAME), "netdevsim10");
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_get_type(a) != DEVLINK_ATTR_ESWITCH_MODE)
			continue;
		modes++;
		assert_int_equal(mnl_attr_get_payload_len(a), 2);
		assert_int_equal(mnl_attr_get_u16(a), DEVLINK_ESWITCH_MODE_SWITCHDEV);
	}
	assert_int_equal(modes, 1);

	/* what the kernel would refuse is refused here */
	assert_int_equal(devlink_build_eswitch_set(buf, sizeof(buf), 21, 4, "pci", "0000:3b:00.0",
						   ESWITCH_MODE_UNSET),
			 -EINVAL);
	assert_int_equal(devlink_build_eswitch_get(buf, sizeof(buf), 21, 4, "", "x"), -EINVAL);
	assert_int_equal(devlink_build_eswitch_get(buf, sizeof(buf), 0, 4, "pci", "x"), -EINVAL);
	assert_int_equal(devlink_build_eswitch_get(buf, 24, 21, 4, "pci", "0000:3b:00.0"),
			 -ENOBUFS);
}

/* An answer as the kernel writes it: type, command, one u16 attribute. */
static int answer(uint8_t *buf, size_t size, uint16_t type, uint8_t cmd, uint16_t attr,
		  uint16_t value)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = type;
	g->cmd = cmd;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "devlink");
	if (attr)
		mnl_attr_put_u16(nlh, attr, value);
	assert_true(nlh->nlmsg_len <= size);
	return (int)nlh->nlmsg_len;
}

static void test_parse(void **state)
{
	(void)state;
	uint8_t buf[256] = {0};
	uint16_t id = 0;
	enum eswitch_mode m = ESWITCH_MODE_UNSET;
	int len;

	len = answer(buf, sizeof(buf), GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, CTRL_ATTR_FAMILY_ID, 27);
	assert_int_equal(devlink_parse_family(buf, (size_t)len, &id), 0);
	assert_int_equal(id, 27);
	/* cut short, or without the id */
	assert_int_equal(devlink_parse_family(buf, 10, &id), -EBADMSG);
	len = answer(buf, sizeof(buf), GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 0, 0);
	assert_int_equal(devlink_parse_family(buf, (size_t)len, &id), -EBADMSG);

	len = answer(buf, sizeof(buf), 27, DEVLINK_CMD_ESWITCH_GET, DEVLINK_ATTR_ESWITCH_MODE,
		     DEVLINK_ESWITCH_MODE_SWITCHDEV);
	assert_int_equal(devlink_parse_eswitch(buf, (size_t)len, &m), 0);
	assert_int_equal(m, ESWITCH_MODE_SWITCHDEV);
	len = answer(buf, sizeof(buf), 27, DEVLINK_CMD_ESWITCH_GET, DEVLINK_ATTR_ESWITCH_MODE,
		     DEVLINK_ESWITCH_MODE_LEGACY);
	assert_int_equal(devlink_parse_eswitch(buf, (size_t)len, &m), 0);
	assert_int_equal(m, ESWITCH_MODE_LEGACY);
	/* a mode without a name here; no mode at all */
	len = answer(buf, sizeof(buf), 27, DEVLINK_CMD_ESWITCH_GET, DEVLINK_ATTR_ESWITCH_MODE, 9);
	assert_int_equal(devlink_parse_eswitch(buf, (size_t)len, &m), -ERANGE);
	len = answer(buf, sizeof(buf), 27, DEVLINK_CMD_ESWITCH_GET, 0, 0);
	assert_int_equal(devlink_parse_eswitch(buf, (size_t)len, &m), -ENODATA);
}

/*
 * The running kernel answers a device without a devlink instance (or has
 * no devlink at all): not supported, in words naming the PF.
 */
static void test_kernel_unsupported(void **state)
{
	(void)state;
	struct diag d;
	enum eswitch_mode m = ESWITCH_MODE_SWITCHDEV;
	struct devlink_dev v[2] = {{.bus = "pci", .dev = "0000:ff:1f.7"},
				   {.bus = "netdevsim", .dev = "netdevsim999"}};
	int r;

	diag_init(&d);
	r = devlink_eswitch_get("pci", "0000:ff:1f.7", &m, &d);
	assert_true(devlink_unsupported(r));
	assert_int_equal(m, ESWITCH_MODE_SWITCHDEV); /* untouched on failure */
	assert_true(unit_diag_has(&d, "PF '0000:ff:1f.7': cannot read its eswitch mode: "));
	r = devlink_eswitch_set("pci", "0000:ff:1f.7", ESWITCH_MODE_SWITCHDEV, &d);
	assert_true(devlink_unsupported(r));
	assert_true(
	    unit_diag_has(&d, "PF '0000:ff:1f.7': cannot set its eswitch mode to switchdev: "));
	assert_int_equal(devlink_eswitch_get(NULL, "x", &m, &d), -EINVAL);
	diag_release(&d);

	assert_int_equal(devlink_eswitch_get_many(v, 2), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_true(devlink_unsupported(v[i].r));
		assert_non_null(v[i].why);
		assert_int_equal(v[i].mode, ESWITCH_MODE_UNSET);
	}
	assert_non_null(strstr(v[0].why, "PF '0000:ff:1f.7': cannot read its eswitch mode: "));
	assert_non_null(
	    strstr(v[1].why, "device 'netdevsim/netdevsim999': cannot read its eswitch mode: "));
	free(v[0].why);
	free(v[1].why);
}

int main(void)
{
	const struct CMUnitTest units[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_build_getfamily),
	    cmocka_unit_test(test_build_eswitch),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_kernel_unsupported),
	};
	return cmocka_run_group_tests_name("devlink", units, NULL, NULL);
}
