package io.loomcluster.contract;

/** A configuration value is missing or wrong; its message is the one line shown to the operator. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
