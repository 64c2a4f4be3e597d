package io.loomcluster.app.redis;

import io.loomcluster.app.tracing.Tracing;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.executors.CommandExecutor;

import java.nio.charset.StandardCharsets;

/**
 * Every Redis command the client sends, in a child span of the current one (the request's, the
 * job's). Jedis sends all of a client's commands through its {@link CommandExecutor}, so this is the
 * one place to wrap them; pipelines and subscriptions, which bypass it, are not traced.
 */
final class TracedCommands implements CommandExecutor {
    private final CommandExecutor delegate;
    private final Tracing tracing;

    TracedCommands(CommandExecutor delegate, Tracing tracing) {
        this.delegate = delegate;
        this.tracing = tracing;
    }

    @Override
    public <T> T executeCommand(CommandObject<T> command) {
        if (!tracing.recording()) {
            return delegate.executeCommand(command);
        }
        String name = new String(command.getArguments().getCommand().getRaw(), StandardCharsets.US_ASCII);
        return tracing.redis(name, () -> delegate.executeCommand(command));
    }

    @Override
    public void close() throws Exception {
        delegate.close();
    }
}
