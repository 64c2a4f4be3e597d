package io.loomcluster.loadtest.run;

import java.lang.management.ManagementFactory;

/** CPU time used by this process (all threads, user and system), to report what the generator itself cost. */
public final class ProcessCpu {
    private ProcessCpu() {
    }

    public static long nanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long cpu = os.getProcessCpuTime();
            if (cpu >= 0) {
                return cpu;
            }
        }
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }
}
