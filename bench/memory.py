"""Peak memory of a bench process."""

from __future__ import annotations


def peak_rss_mb() -> float:
    """This process's peak RSS in MiB: the kernel's VmHWM of its own memory.

    Not `getrusage(...).ru_maxrss`: on Linux that keeps the high-water mark across fork and exec,
    so a worker started by a large parent (the bench after generating 300k people holds ~770 MB)
    reports at least the parent's size (seen: 773 MB where the worker itself peaked at 552 MB)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
