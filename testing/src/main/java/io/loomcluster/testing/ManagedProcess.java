package io.loomcluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real JVM process (an app instance or the balancer) that a test can start, stop, kill and pause.
 * Its output goes to a log file so that a failing test can be diagnosed.
 */
public final class ManagedProcess implements AutoCloseable {
    private static final LoomClient PROBE = LoomClient.builder(URI.create("http://127.0.0.1"))
            .connectTimeout(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(2)).retry(RetryPolicy.NONE).unobserved().build();

    private final String name;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private final URI readyUrl;
    private final int group;
    private volatile Process process;
    private boolean startedBefore;

    public ManagedProcess(String name, List<String> command, Map<String, String> env, Path log, URI readyUrl) {
        this(name, command, env, log, readyUrl, -1);
    }

    private ManagedProcess(String name, List<String> command, Map<String, String> env, Path log, URI readyUrl, int group) {
        this.group = group;
        this.name = name;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.log = log;
        this.readyUrl = readyUrl;
    }

    /** A process running {@code java -jar jar} with the JVM that runs the tests. */
    public static ManagedProcess javaJar(String name, Path jar, List<String> jvmArgs, Map<String, String> env,
                                         Path log, URI readyUrl) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = new java.util.ArrayList<String>();
        command.add(java);
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        return new ManagedProcess(name, command, env, log, readyUrl);
    }

    /**
     * The same process run with its own group id ({@code setpriv --regid}): an iptables rule can then
     * match its packets ({@code -m owner --gid-owner}) to cut it off from one peer, as partitions do.
     */
    public ManagedProcess inGroup(int gid) {
        List<String> wrapped = new java.util.ArrayList<>(List.of("setpriv", "--regid=" + gid, "--clear-groups", "--"));
        wrapped.addAll(command);
        return new ManagedProcess(name, wrapped, env, log, readyUrl, gid);
    }

    /** The group id it runs with ({@link #inGroup}), or -1. */
    public int group() {
        return group;
    }

    public ManagedProcess start() {
        try {
            Files.createDirectories(log.getParent());
            // A fresh log per run of the tests; restarts of the same process append to it.
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(startedBefore ? ProcessBuilder.Redirect.appendTo(log.toFile())
                            : ProcessBuilder.Redirect.to(log.toFile()));
            startedBefore = true;
            builder.environment().putAll(env);
            process = builder.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    public ManagedProcess awaitReady(Duration timeout) {
        Await.until(name + " to answer " + readyUrl + " with 200 (log: " + log + ")", timeout, () -> {
            if (!isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + "; log: " + log);
            }
            return status(readyUrl) == 200;
        });
        return this;
    }

    /** The HTTP status of a GET, or -1 when nothing answers. */
    public static int status(URI url) {
        Reply reply = PROBE.at(URI.create(url.getScheme() + "://" + url.getRawAuthority()))
                .send(Request.get(url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery())));
        return reply.answered() ? reply.status() : -1;
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    /** SIGKILL: the process gets no chance to clean up. */
    public void kill() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            waitFor(p, Duration.ofSeconds(10));
        }
    }

    /** SIGTERM, then wait for the graceful exit; returns the exit code. */
    public int terminate(Duration timeout) {
        Process p = process;
        p.destroy();
        if (!waitFor(p, timeout)) {
            p.destroyForcibly();
            throw new AssertionError(name + " did not exit within " + timeout + " of SIGTERM; log: " + log);
        }
        return p.exitValue();
    }

    /** SIGTERM without waiting, to observe a process while it drains. */
    public void signalTerminate() {
        process.destroy();
    }

    public boolean awaitExit(Duration timeout) {
        return waitFor(process, timeout);
    }

    /** SIGSTOP: the process keeps its sockets open but answers nothing. */
    public void pause() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (isAlive()) {
            signal("CONT");
            process.destroy();
            if (!waitFor(process, Duration.ofSeconds(15))) {
                kill();
            }
        }
    }
}
