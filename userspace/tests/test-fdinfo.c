// SPDX-License-Identifier: MIT
/* fdinfo parsing against the text 6.12 prints, and against broken text. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "dmabufmap.h"
#include "tap.h"

static int parse(const char *text, struct dmabufmap_fdinfo *info)
{
	return dmabufmap_parse_fdinfo(text, strlen(text), info);
}

int main(void)
{
	struct dmabufmap_fdinfo info;
	char big[600];
	int fd;

	/* exactly what dma_buf_show_fdinfo() and the VFS print in 6.12 */
	CHECK_EQ(parse("pos:\t0\nflags:\t02000002\nmnt_id:\t16\nino:\t1042\n"
		       "size:\t16384\ncount:\t1\nexp_name:\tudmabuf\n", &info), 0,
		 "6.12 udmabuf fdinfo parses");
	CHECK_EQ(info.size, 16384, "size");
	CHECK_EQ(info.inode, 1042, "inode");
	CHECK_EQ(info.count, 1, "count");
	CHECK_EQ(info.flags, 02000002, "flags are octal");
	CHECK(!strcmp(info.exp_name, "udmabuf"), "exporter name");
	CHECK(info.name[0] == '\0', "no name when none was set");

	CHECK_EQ(parse("pos:\t0\nflags:\t02\nmnt_id:\t16\nino:\t7\nsize:\t4096\n"
		       "count:\t3\nexp_name:\tsystem\nname:\tframe 12: camera\n",
		       &info), 0, "fdinfo with a buffer name parses");
	CHECK(!strcmp(info.name, "frame 12: camera"), "name keeps its colons and spaces");
	CHECK(!strcmp(info.exp_name, "system"), "heap exporter name");

	CHECK_EQ(parse("size:\t1\nexp_name:\tx", &info), 0, "last line without newline");
	CHECK_EQ(info.count, -1, "count unknown when absent");

	/* not a dma-buf: a memfd's fdinfo has no exp_name */
	CHECK_EQ(parse("pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t3\n", &info), -ENOTTY,
		 "fdinfo without exp_name is not a dma-buf");
	CHECK_EQ(parse("", &info), -ENOTTY, "empty fdinfo is not a dma-buf");

	/* malformed */
	CHECK_EQ(parse("size:\tabc\nexp_name:\tx\n", &info), -EINVAL, "size not a number");
	CHECK_EQ(parse("size:\t-1\nexp_name:\tx\n", &info), -EINVAL, "negative size");
	CHECK_EQ(parse("size:\t99999999999999999999999\nexp_name:\tx\n", &info), -EINVAL,
		 "size overflows 64 bits");
	CHECK_EQ(parse("size:\t12x\nexp_name:\tx\n", &info), -EINVAL, "trailing junk in size");
	CHECK_EQ(parse("exp_name:\tx\n", &info), -EINVAL, "dma-buf fdinfo without size");
	CHECK_EQ(parse("size 4096\nexp_name:\tx\n", &info), -EINVAL, "line without a colon");
	CHECK_EQ(parse("size:\t1\nflags:\t9\nexp_name:\tx\n", &info), -EINVAL,
		 "flags not octal");
	CHECK_EQ(parse("size:\t1\ncount:\tmany\nexp_name:\tx\n", &info), -EINVAL,
		 "count not a number");
	CHECK_EQ(dmabufmap_parse_fdinfo("size:\t1\nexp_\0name:\tx\n", 22, &info), -EINVAL,
		 "NUL byte inside the text");
	memset(big, 'a', sizeof(big));
	memcpy(big, "size:\t1\nexp_name:\t", 18);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(parse(big, &info), -EINVAL, "overlong line");
	memcpy(big, "size:\t1\nexp_name:\t", 18);
	big[18 + 70] = '\0';
	CHECK_EQ(parse(big, &info), -EINVAL, "exporter name too long for the struct");

	/* real files of this process */
	fd = memfd_create("not-a-dma-buf", MFD_CLOEXEC);
	CHECK(fd >= 0, "memfd_create");
	CHECK_EQ(dmabufmap_read_fdinfo(0, fd, &info), -ENOTTY, "memfd fdinfo: not a dma-buf");
	CHECK_EQ(dmabufmap_read_fdinfo(getpid(), fd, &info), -ENOTTY,
		 "same through /proc/<pid>");
	close(fd);
	CHECK_EQ(dmabufmap_read_fdinfo(0, fd, &info), -EBADF, "closed fd");
	CHECK_EQ(dmabufmap_read_fdinfo(0x3fffffff, 0, &info), -ESRCH, "no such process");

	return tap_done();
}
