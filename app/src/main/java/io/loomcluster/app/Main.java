package io.loomcluster.app;

import io.loomcluster.app.config.AppConfig;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.contract.ConfigException;

/**
 * Entry point: read and validate the environment (and that Redis accepts REDIS_URL's password), start,
 * stop on SIGTERM (logging: logback.xml).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        AppConfig config;
        try {
            config = AppConfig.fromEnvironment(System.getenv());
            Redis.checkCredentials(config.redis());
        } catch (ConfigException e) {
            System.err.println("loom-app: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        App app = App.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(app::shutdown, "shutdown"));
    }
}
