// SPDX-License-Identifier: MIT
/* Another process's file descriptors, through pidfds. */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "dmabufmap.h"
#include "public.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

DMABUFMAP_PUBLIC
int dmabufmap_fd_from_pid(pid_t pid, int fd)
{
	int pidfd, ret;

	if (pid <= 0 || fd < 0)
		return -EINVAL;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	/* pidfd_getfd always sets close-on-exec on the new descriptor */
	ret = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (ret < 0)
		/* the ptrace check failed: -EPERM means something else here */
		ret = errno == EPERM ? -EACCES : -errno;
	close(pidfd);
	return ret;
}
