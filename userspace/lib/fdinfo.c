// SPDX-License-Identifier: MIT
/* What /proc/<pid>/fdinfo/<fd> says of a dma-buf. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabufmap.h"
#include "public.h"

static int parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, base);
	if (errno || *end != '\0')
		return -EINVAL;
	return 0;
}

static int copy_field(char *dst, size_t size, const char *value)
{
	size_t n = strlen(value);

	if (n >= size)
		return -EINVAL;
	memcpy(dst, value, n + 1);
	return 0;
}

/* One "key:<tabs or spaces>value" line; a line without a colon is malformed. */
static int parse_line(char *line, struct dmabufmap_fdinfo *info, int *seen)
{
	char *value = strchr(line, ':');
	uint64_t v;

	if (!value)
		return -EINVAL;
	*value++ = '\0';
	value += strspn(value, " \t");

	if (!strcmp(line, "size")) {
		if (parse_u64(value, 10, &info->size))
			return -EINVAL;
		*seen |= 1;
	} else if (!strcmp(line, "exp_name")) {
		if (copy_field(info->exp_name, sizeof(info->exp_name), value))
			return -EINVAL;
		*seen |= 2;
	} else if (!strcmp(line, "name")) {
		if (copy_field(info->name, sizeof(info->name), value))
			return -EINVAL;
	} else if (!strcmp(line, "ino")) {
		if (parse_u64(value, 10, &info->inode))
			return -EINVAL;
	} else if (!strcmp(line, "count")) {
		if (parse_u64(value, 10, &v) || v > (uint64_t)__LONG_MAX__)
			return -EINVAL;
		info->count = (long)v;
	} else if (!strcmp(line, "flags")) {
		if (parse_u64(value, 8, &v) || v > 0x7fffffff)
			return -EINVAL;
		info->flags = (int)v;
	}
	/* other keys (pos, mnt_id, ...) are not ours to judge */
	return 0;
}

DMABUFMAP_PUBLIC
int dmabufmap_parse_fdinfo(const char *text, size_t len,
			   struct dmabufmap_fdinfo *info)
{
	char line[256];
	size_t pos = 0;
	int seen = 0, ret;

	memset(info, 0, sizeof(*info));
	info->count = -1;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;

		if (n >= sizeof(line) || memchr(text + pos, '\0', n))
			return -EINVAL;
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (n == 0)
			continue;
		ret = parse_line(line, info, &seen);
		if (ret)
			return ret;
	}

	if (!(seen & 2))
		return -ENOTTY;
	if (!(seen & 1))
		return -EINVAL;
	return 0;
}

DMABUFMAP_PUBLIC
int dmabufmap_read_fdinfo(pid_t pid, int fd, struct dmabufmap_fdinfo *info)
{
	char path[64], text[4096];
	size_t len = 0;
	ssize_t n;
	int pfd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);

	pfd = open(path, O_RDONLY | O_CLOEXEC);
	if (pfd < 0) {
		int err = errno;

		/* ENOENT means the fd, or the whole process, is gone */
		if (err == ENOENT) {
			snprintf(path, sizeof(path), "/proc/%d", (int)pid);
			return (pid && access(path, F_OK)) ? -ESRCH : -EBADF;
		}
		/* not allowed to look: one code for it, as in remote.c */
		return err == EPERM ? -EACCES : -err;
	}
	while ((n = read(pfd, text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)n;
	close(pfd);
	if (n < 0)
		return -errno;
	return dmabufmap_parse_fdinfo(text, len, info);
}
