// SPDX-License-Identifier: MIT
/*
 * dmabuf-info: what a process's dma-bufs are, the memory type of their CPU
 * mappings and whether CPU access to them needs DMA_BUF_IOCTL_SYNC.
 *
 *   dmabuf-info [--json] FD...      file descriptors of this process
 *   dmabuf-info [--json] --pid PID  every dma-buf PID holds
 *   dmabuf-info [--json] --all      every dma-buf in the system, once each,
 *                                   with the processes that hold it
 *   dmabuf-info --version
 *
 * In JSON, an entry whose answer is unknown carries an "error" object
 * (errno, its name, the message), and one that cannot go to a guest a
 * "virtio_gpu_refused" object; an FD operand that is no dma-buf is an entry
 * with its fd and the error alone.
 *
 * Exit status: 0 everything asked about was reported; 1 an operand is not a
 * dma-buf, no such fd or no such process; 2 usage; 3 the kernel cannot
 * report how dma-bufs are mapped; 4 a process or fd could not be
 * inspected (permission).  The worst one wins: 1 > 4 > 3.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabufmap.h"

enum { EXIT_NOT_FOUND = 1, EXIT_USAGE = 2, EXIT_UNSUPPORTED = 3, EXIT_PERM = 4 };

struct entry {
	pid_t pid;
	int fd;
	struct dmabufmap_fdinfo info;
	int err;			/* why the answer is unknown, or 0 */
	int not_dmabuf;			/* an FD operand that is none: err says why */
	struct dmabufmap_info map;
};

struct table {
	struct entry *v;
	size_t n, cap;
};

static int status;

static void note_status(int err)
{
	int code;

	switch (-err) {
	case 0:
		return;
	case EOPNOTSUPP:
		code = EXIT_UNSUPPORTED;
		break;
	case EACCES:
		code = EXIT_PERM;
		break;
	default:
		code = EXIT_NOT_FOUND;
		break;
	}
	/* 1 outranks 4 outranks 3 */
	if (!status || code == EXIT_NOT_FOUND ||
	    (code == EXIT_PERM && status == EXIT_UNSUPPORTED))
		status = code;
}

static struct entry *table_add(struct table *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct entry *v = realloc(t->v, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "dmabuf-info: out of memory\n");
			exit(EXIT_FAILURE);
		}
		t->v = v;
		t->cap = cap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	return &t->v[t->n++];
}

static int by_inode(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->info.inode != y->info.inode)
		return x->info.inode < y->info.inode ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd - y->fd;
}

static int by_pid_fd(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd - y->fd;
}

static int query_entry(const struct entry *e, struct dmabufmap_info *map)
{
	int fd, ret;

	if (e->pid == getpid())
		return dmabufmap_query(e->fd, map);
	fd = dmabufmap_fd_from_pid(e->pid, e->fd);
	if (fd < 0)
		return fd;
	ret = dmabufmap_query(fd, map);
	close(fd);
	return ret;
}

/*
 * One query per buffer: every holder of an inode shares the answer, and the
 * next holder is tried only when the previous could not be inspected.
 */
static void query_all(struct table *t)
{
	size_t i, j, k;

	qsort(t->v, t->n, sizeof(t->v[0]), by_inode);
	for (i = 0; i < t->n; i = j) {
		struct dmabufmap_info map = { DMABUFMAP_MEMTYPE_UNKNOWN,
					      DMABUFMAP_CPU_ACCESS_SYNC };
		int err = -ESRCH;

		if (t->v[i].not_dmabuf) {
			j = i + 1;
			continue;
		}
		for (j = i; j < t->n && t->v[j].info.inode == t->v[i].info.inode &&
			    !t->v[j].not_dmabuf; j++)
			;
		for (k = i; k < j; k++) {
			err = query_entry(&t->v[k], &map);
			if (err != -EACCES && err != -ESRCH &&
			    err != -EBADF)
				break;
		}
		for (k = i; k < j; k++) {
			t->v[k].err = err;
			t->v[k].map = map;
		}
		note_status(err);
	}
}

static int is_dmabuf_link(pid_t pid, int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	return !strncmp(target, "/dmabuf:", 8) || !strcmp(target, "anon_inode:dmabuf");
}

/* Add every dma-buf PID holds; returns 0 or a negative errno for the pid. */
static int scan_pid(struct table *t, pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : errno == EPERM ? -EACCES : -errno;
	while ((d = readdir(dir))) {
		struct dmabufmap_fdinfo info;
		struct entry *e;
		int fd;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		fd = atoi(d->d_name);
		/* the fd may be closed under us: skip what went away */
		if (!is_dmabuf_link(pid, fd) || dmabufmap_read_fdinfo(pid, fd, &info))
			continue;
		e = table_add(t);
		e->pid = pid;
		e->fd = fd;
		e->info = info;
	}
	closedir(dir);
	return 0;
}

static void comm_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static const char *memtype_text(const struct entry *e)
{
	return e->err ? "?" : dmabufmap_memtype_name(e->map.memtype);
}

static const char *cpu_access_text(const struct entry *e)
{
	return e->err ? "?" : dmabufmap_cpu_access_name(e->map.cpu_access);
}

static const char *virtio_text(const struct entry *e, char *buf, size_t size)
{
	uint32_t v;

	if (e->err)
		return "?";
	if (dmabufmap_to_virtio_gpu(&e->map, &v))
		return "refuse";
	snprintf(buf, size, "%#04x", v);
	return buf;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* The symbolic name of the codes the library returns, for JSON readers. */
static const char *errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EBADF, "EBADF" }, { ENOTTY, "ENOTTY" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EPROTO, "EPROTO" },
		{ ENODATA, "ENODATA" }, { EPERM, "EPERM" },
		{ EACCES, "EACCES" }, { ESRCH, "ESRCH" }, { EINVAL, "EINVAL" },
		{ ENOSYS, "ENOSYS" }, { ENOENT, "ENOENT" }, { ENOMEM, "ENOMEM" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == -err)
			return names[i].name;
	return NULL;
}

/* "key":{"errno":N,"name":"E...","message":"..."} */
static void json_error(const char *key, int err)
{
	const char *name = errno_name(err);

	printf("\"%s\":{\"errno\":%d,\"name\":", key, -err);
	if (name)
		json_string(name);
	else
		printf("null");
	printf(",\"message\":");
	json_string(dmabufmap_strerror(err));
	putchar('}');
}

static void json_buffer_fields(const struct entry *e)
{
	uint32_t v;
	int ret;

	printf("\"inode\":%" PRIu64 ",\"size\":%" PRIu64 ",\"exporter\":",
	       e->info.inode, e->info.size);
	json_string(e->info.exp_name);
	printf(",\"name\":");
	json_string(e->info.name);
	if (e->err) {
		printf(",\"memtype\":null,\"cpu_access\":null,\"virtio_gpu_map_info\":null,");
		json_error("error", e->err);
		return;
	}
	printf(",\"memtype\":");
	json_string(dmabufmap_memtype_name(e->map.memtype));
	printf(",\"cpu_access\":");
	json_string(dmabufmap_cpu_access_name(e->map.cpu_access));
	ret = dmabufmap_to_virtio_gpu(&e->map, &v);
	if (ret) {
		printf(",\"virtio_gpu_map_info\":null,");
		json_error("virtio_gpu_refused", ret);
	} else {
		printf(",\"virtio_gpu_map_info\":%u", v);
	}
}

static void print_fds(struct table *t, int json)
{
	char vbuf[16];
	size_t i;

	qsort(t->v, t->n, sizeof(t->v[0]), by_pid_fd);
	if (json) {
		printf("{\"fds\":[");
		for (i = 0; i < t->n; i++) {
			printf("%s{\"pid\":%d,\"fd\":%d,", i ? "," : "",
			       (int)t->v[i].pid, t->v[i].fd);
			if (t->v[i].not_dmabuf)
				json_error("error", t->v[i].err);
			else
				json_buffer_fields(&t->v[i]);
			putchar('}');
		}
		printf("]}\n");
		return;
	}
	printf("%7s %4s %10s %12s %-16s %-16s %-14s %-8s %s\n", "PID", "FD",
	       "INODE", "SIZE", "EXPORTER", "NAME", "MEMTYPE", "CPU", "VIRTIO");
	for (i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];

		/* reported on stderr when the operand was read */
		if (e->not_dmabuf)
			continue;
		printf("%7d %4d %10" PRIu64 " %12" PRIu64 " %-16s %-16s %-14s %-8s %s\n",
		       (int)e->pid, e->fd, e->info.inode, e->info.size,
		       e->info.exp_name, e->info.name[0] ? e->info.name : "-",
		       memtype_text(e), cpu_access_text(e),
		       virtio_text(e, vbuf, sizeof(vbuf)));
		if (e->err)
			fprintf(stderr, "dmabuf-info: pid %d fd %d: %s\n",
				(int)e->pid, e->fd, dmabufmap_strerror(e->err));
	}
}

/* "comm(pid):fd,fd comm(pid):fd" for the holders in [i, j) */
static void print_holders(const struct table *t, size_t i, size_t j, int json)
{
	char comm[32];
	size_t k;

	for (k = i; k < j; k++) {
		int first_of_pid = k == i || t->v[k].pid != t->v[k - 1].pid;
		int last_of_pid = k + 1 == j || t->v[k + 1].pid != t->v[k].pid;

		if (first_of_pid) {
			comm_of(t->v[k].pid, comm, sizeof(comm));
			if (json) {
				printf("%s{\"pid\":%d,\"comm\":", k == i ? "" : ",",
				       (int)t->v[k].pid);
				json_string(comm);
				printf(",\"fds\":[");
			} else {
				printf("%s%s(%d):", k == i ? "" : " ", comm,
				       (int)t->v[k].pid);
			}
		} else {
			putchar(',');
		}
		printf("%d", t->v[k].fd);
		if (last_of_pid && json)
			printf("]}");
	}
}

static void print_buffers(struct table *t, int json)
{
	char vbuf[16];
	size_t i, j, nbuf = 0;
	uint64_t total = 0;

	/* query_all() left the table sorted by inode */
	if (json)
		printf("{\"buffers\":[");
	else
		printf("%10s %12s %-16s %-16s %-14s %-8s %-6s %s\n", "INODE",
		       "SIZE", "EXPORTER", "NAME", "MEMTYPE", "CPU", "VIRTIO",
		       "HOLDERS");
	for (i = 0; i < t->n; i = j) {
		const struct entry *e = &t->v[i];

		for (j = i; j < t->n && t->v[j].info.inode == e->info.inode; j++)
			;
		if (json) {
			printf("%s{", nbuf ? "," : "");
			json_buffer_fields(e);
			printf(",\"holders\":[");
			print_holders(t, i, j, 1);
			printf("]}");
		} else {
			printf("%10" PRIu64 " %12" PRIu64 " %-16s %-16s %-14s %-8s %-6s ",
			       e->info.inode, e->info.size, e->info.exp_name,
			       e->info.name[0] ? e->info.name : "-",
			       memtype_text(e), cpu_access_text(e),
			       virtio_text(e, vbuf, sizeof(vbuf)));
			print_holders(t, i, j, 0);
			putchar('\n');
		}
		nbuf++;
		total += e->info.size;
	}
	if (json)
		printf("]}\n");
	else
		printf("%zu buffers, %" PRIu64 " bytes\n", nbuf, total);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dmabuf-info [--json] FD...\n"
		"       dmabuf-info [--json] --pid PID\n"
		"       dmabuf-info [--json] --all\n"
		"       dmabuf-info --version\n"
		"Shows the memory type of each dma-buf's CPU mappings, whether CPU\n"
		"access needs DMA_BUF_IOCTL_SYNC (sync) or not (coherent), and the\n"
		"virtio-gpu map_info a VMM must give a guest for it (refuse: none).\n"
		"Exit: 0 ok, 1 not a dma-buf or not found, 2 usage, 3 kernel cannot\n"
		"report how dma-bufs are mapped, 4 permission denied.\n");
}

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < 0 || v > __INT_MAX__)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct table t = { 0 };
	int json = 0, all = 0, pid = -1, c, i, ret;

	while ((c = getopt_long(argc, argv, "jp:ahV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'p':
			if (parse_int(optarg, &pid) || pid == 0) {
				fprintf(stderr, "dmabuf-info: bad pid '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a':
			all = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dmabuf-info %d.%d.%d\n", DMABUFMAP_VERSION_MAJOR,
			       DMABUFMAP_VERSION_MINOR, DMABUFMAP_VERSION_PATCH);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if ((all + (pid > 0) + (optind < argc)) != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}

	if (all) {
		struct dirent *d;
		DIR *proc = opendir("/proc");

		if (!proc) {
			fprintf(stderr, "dmabuf-info: /proc: %s\n", strerror(errno));
			return EXIT_NOT_FOUND;
		}
		while ((d = readdir(proc))) {
			if (!isdigit((unsigned char)d->d_name[0]))
				continue;
			ret = scan_pid(&t, atoi(d->d_name));
			/* a process we may not look into is reported, not fatal */
			if (ret == -EACCES) {
				fprintf(stderr, "dmabuf-info: pid %s: %s\n", d->d_name,
					dmabufmap_strerror(ret));
				note_status(ret);
			}
		}
		closedir(proc);
		query_all(&t);
		print_buffers(&t, json);
	} else if (pid > 0) {
		ret = scan_pid(&t, pid);
		if (ret) {
			fprintf(stderr, "dmabuf-info: pid %d: %s\n", pid,
				dmabufmap_strerror(ret));
			return ret == -ESRCH ? EXIT_NOT_FOUND : EXIT_PERM;
		}
		query_all(&t);
		print_fds(&t, json);
	} else {
		for (i = optind; i < argc; i++) {
			struct dmabufmap_fdinfo info;
			struct entry *e;
			int fd;

			if (parse_int(argv[i], &fd)) {
				fprintf(stderr, "dmabuf-info: '%s' is not a file descriptor number\n",
					argv[i]);
				return EXIT_USAGE;
			}
			ret = dmabufmap_is_dmabuf(fd);
			if (ret == 1)
				ret = dmabufmap_read_fdinfo(0, fd, &info);
			else if (ret == 0)
				ret = -ENOTTY;
			e = table_add(&t);
			e->pid = getpid();
			e->fd = fd;
			if (ret) {
				fprintf(stderr, "dmabuf-info: fd %d: %s\n", fd,
					dmabufmap_strerror(ret));
				note_status(ret);
				e->not_dmabuf = 1;
				e->err = ret;
				continue;
			}
			e->info = info;
		}
		query_all(&t);
		print_fds(&t, json);
	}
	free(t.v);
	return status;
}
