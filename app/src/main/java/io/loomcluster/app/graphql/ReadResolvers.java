package io.loomcluster.app.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.loomcluster.app.metrics.Metrics;
import io.loomcluster.app.rooms.ReadMarker;
import io.loomcluster.app.rooms.ReadMarkers;
import io.loomcluster.app.rooms.ReadState;
import io.loomcluster.app.rooms.Room;
import io.loomcluster.app.sessions.Session;
import io.micrometer.core.instrument.Counter;
import org.dataloader.DataLoader;
import org.dataloader.DataLoaderFactory;
import org.dataloader.DataLoaderRegistry;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * GraphQL over read markers: {@code Room.unread} and {@code Room.readUpTo} (null for a non-member),
 * loaded for every room of a request in one query, and {@code markRead}. The same service as REST.
 */
public final class ReadResolvers {
    private static final String READS = "reads";

    private final ReadMarkers reads;
    private final Counter batches;

    public ReadResolvers(ReadMarkers reads, Metrics metrics) {
        this.reads = reads;
        this.batches = Counter.builder("loom_graphql_batch_loads").tag("loader", READS)
                .description("batched loads made by GraphQL queries").register(metrics.registry());
    }

    void register(DataLoaderRegistry registry, Session session) {
        // Empty means "not a member".
        registry.register(READS, DataLoaderFactory.<Long, Optional<ReadState>>newDataLoader(ids -> {
            batches.increment();
            Map<Long, ReadState> found = reads.inRooms(session.userId(), ids);
            return CompletableFuture.completedFuture(ids.stream().map(id -> Optional.ofNullable(found.get(id))).toList());
        }));
    }

    CompletableFuture<Integer> unread(DataFetchingEnvironment env) {
        return state(env).thenApply(s -> s.map(ReadState::unread).orElse(null));
    }

    CompletableFuture<Long> readUpTo(DataFetchingEnvironment env) {
        return state(env).thenApply(s -> s.map(ReadState::readUpTo).orElse(null));
    }

    ReadMarker markRead(DataFetchingEnvironment env) {
        return reads.markRead(Resolvers.id(env.getArgument("roomId"), "roomId", 1), Resolvers.session(env).userId(),
                Resolvers.id(env.getArgument("upTo"), "upTo", 0));
    }

    private static CompletableFuture<Optional<ReadState>> state(DataFetchingEnvironment env) {
        DataLoader<Long, Optional<ReadState>> loader = env.getDataLoader(READS);
        return loader.load(env.<Room>getSource().id());
    }
}
