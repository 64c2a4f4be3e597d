package io.loomcluster.loadtest.scenario;

import io.loomcluster.loadtest.api.Session;
import io.loomcluster.loadtest.metrics.Ticket;

import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;

/** Reading: half room listings, a fifth single rooms, the rest pages of a room's messages. */
final class Browse implements Workload {
    static final String LIST_ROOMS = "GET /api/rooms";
    static final String GET_ROOM = "GET /api/rooms/{id}";
    static final String READ_MESSAGES = "GET /api/rooms/{id}/messages";

    private final ScenarioContext ctx;

    Browse(ScenarioContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void execute(Ticket ticket, long user) {
        Session session = ctx.fixture().session(user);
        URI base = ctx.targets().next();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int pick = random.nextInt(10);
        long room = ctx.fixture().room(random.nextInt(ctx.fixture().rooms().size()));
        if (pick < 5) {
            ctx.api().get(base, "/api/rooms?limit=20", session).complete(ticket, LIST_ROOMS);
        } else if (pick < 7) {
            ctx.api().get(base, "/api/rooms/" + room, session).complete(ticket, GET_ROOM);
        } else {
            ctx.api().get(base, "/api/rooms/" + room + "/messages?after=0&limit=20", session)
                    .complete(ticket, READ_MESSAGES);
        }
    }
}
