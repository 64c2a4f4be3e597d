package io.loomcluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports for servers that must be told their port before they start. They are taken below
 * the kernel's ephemeral range (where port 0 would land): a test run opens tens of thousands of
 * outgoing connections, each holding an ephemeral port, and one of them could otherwise take a
 * port between the moment it was picked and the moment its server binds it. Picks advance through
 * the range, so two servers of one run are never handed the same port.
 */
public final class FreePorts {
    private static final int LOW = 10_000;
    private static final int HIGH = ephemeralLow() - 1;
    private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(LOW, HIGH + 1));

    private FreePorts() {
    }

    public static int pick() {
        int span = HIGH - LOW + 1;
        for (int tried = 0; tried < span; tried++) {
            int port = LOW + Math.floorMod(NEXT.getAndIncrement() - LOW, span);
            if (free(port)) {
                return port;
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on loopback", e);
        }
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of {@code net.ipv4.ip_local_port_range} (32768 when it cannot be read). */
    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > LOW + 1000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
