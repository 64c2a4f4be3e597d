package io.loomcluster.app.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.loomcluster.app.errors.DomainException.Forbidden;
import io.loomcluster.app.errors.DomainException.InvalidInput;
import io.loomcluster.app.messages.Message;
import io.loomcluster.app.messages.MessageService;
import io.loomcluster.app.messages.Posted;
import io.loomcluster.app.metrics.Metrics;
import io.loomcluster.app.rooms.Room;
import io.loomcluster.app.rooms.RoomPage;
import io.loomcluster.app.rooms.RoomService;
import io.loomcluster.app.sessions.Session;
import io.loomcluster.app.users.User;
import io.loomcluster.app.users.UserService;
import io.micrometer.core.instrument.Counter;
import org.dataloader.DataLoader;
import org.dataloader.DataLoaderFactory;
import org.dataloader.DataLoaderRegistry;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The GraphQL resolvers, delegating to the same services (and so the same rules) as REST. Nested
 * lists are batched per request with DataLoaders: one query for all room creators, one for all
 * memberships, one per (after, limit) for all rooms' messages — never one per room.
 */
public final class Resolvers {
    static final String SESSION = "session";
    private static final String USERS = "users";
    private static final String ROOMS = "rooms";
    private static final String MEMBERSHIPS = "memberships";
    private static final String MESSAGES = "messages";

    record MessagesKey(long roomId, long after, int limit) {
    }

    private final RoomService rooms;
    private final MessageService messages;
    private final UserService users;
    private final Map<String, Counter> batches;

    public Resolvers(RoomService rooms, MessageService messages, UserService users, Metrics metrics) {
        this.rooms = rooms;
        this.messages = messages;
        this.users = users;
        this.batches = Set.of(USERS, ROOMS, MEMBERSHIPS, MESSAGES).stream().collect(Collectors.toMap(name -> name,
                name -> Counter.builder("loom_graphql_batch_loads").tag("loader", name)
                        .description("batched loads made by GraphQL queries").register(metrics.registry())));
    }

    DataLoaderRegistry loadersFor(Session session) {
        DataLoaderRegistry registry = new DataLoaderRegistry();
        registry.register(USERS, DataLoaderFactory.<Long, User>newDataLoader(ids -> {
            batches.get(USERS).increment();
            Map<Long, User> found = users.byIds(ids);
            return CompletableFuture.completedFuture(ids.stream().map(found::get).toList());
        }));
        registry.register(ROOMS, DataLoaderFactory.<Long, Room>newDataLoader(ids -> {
            batches.get(ROOMS).increment();
            Map<Long, Room> found = rooms.byIds(ids);
            return CompletableFuture.completedFuture(ids.stream().map(found::get).toList());
        }));
        // Membership and messages in one loader: a loader that loads from another loader's result
        // would need a second dispatch. Empty means "not a member".
        registry.register(MESSAGES, DataLoaderFactory.<MessagesKey, Optional<List<Message>>>newDataLoader(keys -> {
            batches.get(MEMBERSHIPS).increment();
            Set<Long> member = rooms.memberOf(session.userId(), keys.stream().map(MessagesKey::roomId).distinct().toList());
            Map<List<Object>, List<MessagesKey>> groups = keys.stream().filter(k -> member.contains(k.roomId()))
                    .collect(Collectors.groupingBy(k -> List.of(k.after(), k.limit())));
            Map<MessagesKey, List<Message>> results = new java.util.HashMap<>();
            groups.forEach((group, members) -> {
                batches.get(MESSAGES).increment();
                Map<Long, List<Message>> byRoom = messages.afterInRooms(
                        members.stream().map(MessagesKey::roomId).toList(), (Long) group.get(0), (Integer) group.get(1));
                members.forEach(k -> results.put(k, byRoom.getOrDefault(k.roomId(), List.of())));
            });
            return CompletableFuture.completedFuture(keys.stream().map(k -> Optional.ofNullable(results.get(k))).toList());
        }));
        return registry;
    }

    static Session session(DataFetchingEnvironment env) {
        return env.getGraphQlContext().get(SESSION);
    }

    User me(DataFetchingEnvironment env) {
        Session session = session(env);
        return new User(session.userId(), session.username());
    }

    RoomPage rooms(DataFetchingEnvironment env) {
        return rooms.page(env.getArgument("cursor"), limit(env, 20));
    }

    Room room(DataFetchingEnvironment env) {
        return rooms.get(id(env.getArgument("id"), "id"));
    }

    Room createRoom(DataFetchingEnvironment env) {
        return rooms.create(session(env).userId(), env.getArgument("name"), env.getArgument("topic"));
    }

    Room joinRoom(DataFetchingEnvironment env) {
        long roomId = id(env.getArgument("id"), "id");
        rooms.join(roomId, session(env).userId());
        return rooms.get(roomId);
    }

    Message postMessage(DataFetchingEnvironment env) {
        Session session = session(env);
        long roomId = id(env.getArgument("roomId"), "roomId");
        Posted posted = messages.post(roomId, session.userId(), session.username(), env.getArgument("text"),
                env.getArgument("idempotencyKey"));
        return posted.message();
    }

    Message editMessage(DataFetchingEnvironment env) {
        return messages.edit(id(env.getArgument("roomId"), "roomId"), id(env.getArgument("messageId"), "messageId"),
                session(env).userId(), env.getArgument("text")).message();
    }

    Message deleteMessage(DataFetchingEnvironment env) {
        return messages.delete(id(env.getArgument("roomId"), "roomId"), id(env.getArgument("messageId"), "messageId"),
                session(env).userId()).message();
    }

    CompletableFuture<User> createdBy(DataFetchingEnvironment env) {
        Room room = env.getSource();
        DataLoader<Long, User> loader = env.getDataLoader(USERS);
        return loader.load(room.createdBy());
    }

    CompletableFuture<Room> messageRoom(DataFetchingEnvironment env) {
        Message message = env.getSource();
        DataLoader<Long, Room> loader = env.getDataLoader(ROOMS);
        return loader.load(message.roomId());
    }

    User author(DataFetchingEnvironment env) {
        Message message = env.getSource();
        return new User(message.userId(), message.username());
    }

    CompletableFuture<List<Message>> roomMessages(DataFetchingEnvironment env) {
        Room room = env.getSource();
        long after = id(env.getArgument("after"), "after", 0);
        int limit = limit(env, 50);
        DataLoader<MessagesKey, Optional<List<Message>>> loader = env.getDataLoader(MESSAGES);
        return loader.load(new MessagesKey(room.id(), after, limit)).thenApply(found -> found.orElseThrow(
                () -> new Forbidden("you are not a member of room " + room.id())));
    }

    static int limit(DataFetchingEnvironment env, int fallback) {
        Integer limit = env.getArgument("limit");
        if (limit == null) {
            return fallback;
        }
        if (limit < 1 || limit > 100) {
            throw new InvalidInput("limit must be a whole number from 1 to 100, got " + limit);
        }
        return limit;
    }

    private static long id(Object value, String name) {
        return id(value, name, -1);
    }

    static long id(Object value, String name, long min) {
        String text = value == null ? "" : value.toString();
        if (!text.matches("[0-9]{1,18}") || Long.parseLong(text) < Math.max(min, 1) && !(min == 0 && text.equals("0"))) {
            throw new InvalidInput(name + " must be a positive whole number, got '"
                    + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "'");
        }
        return Long.parseLong(text);
    }
}
