package io.loomcluster.loadtest.cli;

/** Bad command-line options; the tool prints the message and the usage and exits with 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
