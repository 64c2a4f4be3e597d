package io.loomcluster.app;

import io.loomcluster.app.config.AppConfig;
import io.loomcluster.contract.ConfigException;

/** Entry point: configure logging, read and validate the environment, start, stop on SIGTERM. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        configureLogging();
        AppConfig config;
        try {
            config = AppConfig.fromEnvironment(System.getenv());
        } catch (ConfigException e) {
            System.err.println("loom-app: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        App app = App.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(app::shutdown, "shutdown"));
    }

    // One line per event, with time and thread; noisy libraries at warn.
    private static void configureLogging() {
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
        setDefault("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        setDefault("org.slf4j.simpleLogger.log.io.javalin", "warn");
        setDefault("org.slf4j.simpleLogger.log.org.flywaydb", "warn");
        setDefault("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "warn");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
