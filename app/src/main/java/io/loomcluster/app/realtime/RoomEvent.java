package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Change;

/**
 * What a room's live streams carry: an entry of the room's change log (positioned, replayed on
 * resume) or an ephemeral event (typing, presence, a read marker: never stored, never replayed,
 * delivered only to streams open at the time).
 */
sealed interface RoomEvent permits RoomEvent.Changed, RoomEvent.Typing, RoomEvent.Presence, RoomEvent.Read {
    /** The position in the room's change log; -1 for an ephemeral event. */
    long position();

    long roomId();

    /**
     * A change of the room, shared by every subscriber of the room on this instance: its frames are
     * encoded once, by whichever writer needs them first ({@link LiveFrames}).
     */
    final class Changed implements RoomEvent {
        final Change change;
        volatile String sse;
        volatile String frame;

        Changed(Change change) {
            this.change = change;
        }

        @Override
        public long position() {
            return change.position();
        }

        @Override
        public long roomId() {
            return change.message().roomId();
        }
    }

    /** A member is typing; the indicator holds for {@code expiresInMs} unless renewed. */
    record Typing(long roomId, long userId, String username, long expiresInMs) implements RoomEvent {
        @Override
        public long position() {
            return -1;
        }
    }

    /** A member came online in the room (their first live connection anywhere) or went offline (their last). */
    record Presence(long roomId, long userId, String username, boolean online) implements RoomEvent {
        @Override
        public long position() {
            return -1;
        }
    }

    /** The user's read marker in the room moved (sent to that user's own streams only). */
    record Read(long roomId, long userId, long upTo) implements RoomEvent {
        @Override
        public long position() {
            return -1;
        }
    }
}
