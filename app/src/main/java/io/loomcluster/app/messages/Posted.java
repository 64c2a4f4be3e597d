package io.loomcluster.app.messages;

/** The outcome of a post: the message, and whether it is the replay of an earlier post with the same key. */
public record Posted(Message message, boolean replayed) {
}
