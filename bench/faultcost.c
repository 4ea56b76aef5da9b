/*
 * faultcost.c - what one minor page fault costs on this machine.
 *
 * A one-shot check is mostly start-up: mapping libraries, relocating
 * them, the first touch of each heap and stack page.  On bare metal a
 * minor fault costs about a microsecond and nobody counts them; under
 * some hypervisors (shadow page tables) it costs ten or twenty, and a
 * few dozen faults more or less decide a per-process comparison.  This
 * touches fresh anonymous pages and prints the CPU (user + system) per
 * fault, so bench/daemon.sh can say how much of a per-check difference
 * the fault counts of bench/pairrun.py explain.
 *
 * usage: faultcost [PAGES]   (default 20000)
 * prints: FAULTS pages=N faults=N us_per_fault=X
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double
cpu_us(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e6 +
	    ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
}

int
main(int argc, char **argv)
{
	struct rusage	 a, b;
	volatile char	*p;
	long		 pages = argc > 1 ? atol(argv[1]) : 20000, i;
	long		 psz = sysconf(_SC_PAGESIZE);

	if (pages < 1 || psz < 1) {
		fprintf(stderr, "usage: faultcost [PAGES]\n");
		return 2;
	}
	p = mmap(NULL, (size_t)(pages * psz), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("faultcost: mmap");
		return 1;
	}
	/* one fault per page, as a process's own start-up takes them */
	(void)madvise((void *)p, (size_t)(pages * psz), MADV_NOHUGEPAGE);
	getrusage(RUSAGE_SELF, &a);
	for (i = 0; i < pages; i++)
		p[i * psz] = 1;
	getrusage(RUSAGE_SELF, &b);
	if (b.ru_minflt - a.ru_minflt < 1) {
		fprintf(stderr, "faultcost: no fault counted\n");
		return 1;
	}
	printf("FAULTS pages=%ld faults=%ld us_per_fault=%.2f\n", pages,
	    b.ru_minflt - a.ru_minflt,
	    (cpu_us(&b) - cpu_us(&a)) / (double)(b.ru_minflt - a.ru_minflt));
	return 0;
}
