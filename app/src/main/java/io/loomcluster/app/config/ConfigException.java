package io.loomcluster.app.config;

/** A configuration value that is missing or wrong; its message is the one line shown to the operator. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
