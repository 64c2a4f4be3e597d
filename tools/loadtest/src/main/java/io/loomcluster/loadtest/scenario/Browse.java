package io.loomcluster.loadtest.scenario;

import io.loomcluster.client.Session;
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
        URI base = ctx.targets().next();
        Session session = ctx.api().as(ctx.fixture().account(user), base);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int pick = random.nextInt(10);
        long room = ctx.fixture().room(random.nextInt(ctx.fixture().rooms().size()));
        if (pick < 5) {
            ticket.complete(LIST_ROOMS, session.get("/api/rooms?limit=20"));
        } else if (pick < 7) {
            ticket.complete(GET_ROOM, session.get("/api/rooms/" + room));
        } else {
            ticket.complete(READ_MESSAGES, session.get("/api/rooms/" + room + "/messages?after=0&limit=20"));
        }
    }
}
