package io.loomcluster.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs embedded PostgreSQL and Redis until SIGTERM, for {@code scripts/cluster}.
 *
 * <pre>java -jar testing/target/dev-services.jar --postgres-port 5432 --redis-port 6379 --data DIR --redis-data DIR --env-file FILE
 *     [--no-redis] [--postgres-setting name=value ...]</pre>
 *
 * {@code --data} is PostgreSQL's data folder, {@code --redis-data} Redis's (its append-only file);
 * both are kept across restarts of the services. {@code --no-redis}: PostgreSQL only (the cluster's
 * Redis runs elsewhere, as with {@code scripts/cluster up --redis-ha}).
 *
 * Once the servers accept connections it writes {@code DATABASE_URL}, {@code DATABASE_USER} and
 * (with Redis) {@code REDIS_URL} to the env file (atomically), so that the launcher can wait for that file.
 */
public final class DevServices {
    private DevServices() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int postgresPort = 0;
        int redisPort = 0;
        Path dataDir = null;
        Path redisDataDir = null;
        Path envFile = null;
        Map<String, String> settings = new LinkedHashMap<>();
        boolean withRedis = true;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (args[i].equals("--no-redis")) {
                withRedis = false;
                continue;
            }
            switch (args[i]) {
                case "--postgres-port" -> postgresPort = port("--postgres-port", value);
                case "--redis-port" -> redisPort = port("--redis-port", value);
                case "--data" -> dataDir = Path.of(required("--data", value));
                case "--redis-data" -> redisDataDir = Path.of(required("--redis-data", value));
                case "--env-file" -> envFile = Path.of(required("--env-file", value));
                case "--postgres-setting" -> setting(required("--postgres-setting", value), settings);
                default -> fail("unknown argument " + args[i] + "; expected --postgres-port N --redis-port N --data DIR"
                        + " --redis-data DIR --env-file FILE [--no-redis] [--postgres-setting name=value ...]");
            }
            i++;
        }
        if (envFile == null) {
            fail("--env-file is required");
        }
        EmbeddedServices.Options options = new EmbeddedServices.Options(postgresPort, redisPort, dataDir, redisDataDir);
        EmbeddedServices services = withRedis ? EmbeddedServices.start(options, settings)
                : EmbeddedServices.startPostgresOnly(options, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            services.close();
            stopped.countDown();
        }, "devservices-shutdown"));

        Path tmp = envFile.resolveSibling(envFile.getFileName() + ".tmp");
        Files.writeString(tmp, "DATABASE_URL=" + services.jdbcUrl() + "\n"
                + "DATABASE_USER=" + services.databaseUser() + "\n"
                + (withRedis ? "REDIS_URL=" + services.redisUrl() + "\n" : ""));
        Files.move(tmp, envFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("devservices ready: postgres=" + services.jdbcUrl()
                + (withRedis ? " redis=" + services.redisUrl() : " (no Redis)"));
        stopped.await();
    }

    // A server setting for benchmarks and profiling, e.g. shared_preload_libraries=pg_stat_statements.
    private static void setting(String value, Map<String, String> settings) {
        int eq = value.indexOf('=');
        if (eq <= 0 || !value.substring(0, eq).matches("[a-z_.]+")) {
            fail("--postgres-setting must look like name=value, got " + value);
        }
        settings.put(value.substring(0, eq), value.substring(eq + 1));
    }

    private static int port(String name, String value) {
        try {
            int port = Integer.parseInt(required(name, value));
            if (port < 0 || port > 65535) {
                fail(name + " must be a port number 0-65535, got " + value);
            }
            return port;
        } catch (NumberFormatException e) {
            fail(name + " must be a port number 0-65535, got " + value);
            return -1;
        }
    }

    private static String required(String name, String value) {
        if (value == null) {
            fail(name + " needs a value");
        }
        return value;
    }

    private static void fail(String message) {
        System.err.println("devservices: " + message);
        System.exit(2);
    }
}
