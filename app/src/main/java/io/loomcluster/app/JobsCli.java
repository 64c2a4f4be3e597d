package io.loomcluster.app;

import io.loomcluster.contract.QueueFigures;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.config.AppConfig;
import io.loomcluster.app.db.Database;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.jobs.JobQueue;
import io.loomcluster.app.jobs.OutboxRelay;
import io.loomcluster.app.messages.Message;
import io.loomcluster.app.messages.PostEffects;
import io.loomcluster.app.notifications.NotificationService;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.tracing.Tracing;
import io.loomcluster.app.webhooks.SsrfGuard;
import io.loomcluster.app.webhooks.WebhookService;
import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.Names;
import io.loomcluster.contract.Env;
import io.loomcluster.contract.RedisTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The operator's view of the queues ({@code scripts/jobs}): figures, dead letters, re-drive, and a
 * re-scan that re-enqueues the jobs of messages after an id (for a Redis that lost its data). It runs
 * against {@code REDIS_URL} (and {@code DATABASE_URL} for the re-scan), never through the public API.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "Inspect and repair the job queues.",
        subcommands = {JobsCli.Stats.class, JobsCli.Dead.class, JobsCli.Redrive.class, JobsCli.Rescan.class})
public final class JobsCli {
    static final List<String> TYPES = Names.JOB_TYPES;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return new CommandLine(new JobsCli()).execute(args);
    }

    private static Redis redis() {
        RedisTarget target;
        try {
            target = RedisTarget.fromEnv(new Env(System.getenv()), true, "");
            Redis.checkCredentials(target);
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(new CommandLine(new JobsCli()), e.getMessage());
        }
        return Redis.connect(target);
    }

    @Command(name = "stats", description = "Stream length, pending, oldest pending age, scheduled retries, dead letters.")
    static final class Stats implements Callable<Integer> {
        @Override
        public Integer call() {
            try (Redis redis = redis()) {
                PrintWriter out = new PrintWriter(System.out, true);
                out.printf("%-10s %10s %10s %14s %10s %8s%n", "type", "length", "pending", "oldest (ms)", "scheduled", "dead");
                for (String type : TYPES) {
                    QueueFigures s = new JobQueue(redis.client(), type).stats(System.currentTimeMillis());
                    out.printf("%-10s %10d %10d %14d %10d %8d%n", type, s.length(), s.pending(), s.oldestPendingMillis(),
                            s.scheduled(), s.dead());
                }
                return 0;
            }
        }
    }

    @Command(name = "dead", description = "Lists dead letters: entry id, job id, attempts, last error.")
    static final class Dead implements Callable<Integer> {
        @Option(names = "--type", description = "mention or webhook (default: both)")
        String type;
        @Option(names = "--limit", defaultValue = "100")
        int limit;

        @Override
        public Integer call() {
            try (Redis redis = redis()) {
                for (String t : type == null ? TYPES : List.of(type)) {
                    for (JobQueue.DeadLetter letter : new JobQueue(redis.client(), t).deadLetters(limit)) {
                        System.out.printf("%s %s %s attempts=%d error=%s%n", t, letter.entryId(), letter.job().id(),
                                letter.job().attempt(), letter.error());
                    }
                }
                return 0;
            }
        }
    }

    @Command(name = "redrive", description = "Puts dead letters back on their stream as first attempts.")
    static final class Redrive implements Callable<Integer> {
        @Option(names = "--type", required = true, description = "mention or webhook")
        String type;
        @Option(names = "--all", description = "every dead letter of the type")
        boolean all;
        @Parameters(description = "dead-letter entry ids (from 'dead')")
        List<String> entryIds = List.of();

        @Override
        public Integer call() {
            if (!TYPES.contains(type)) {
                System.err.println("unknown type " + type + "; expected one of " + TYPES);
                return 2;
            }
            if (all == !entryIds.isEmpty()) {
                System.err.println("give either --all or entry ids");
                return 2;
            }
            try (Redis redis = redis()) {
                JobQueue queue = new JobQueue(redis.client(), type);
                int moved = 0;
                for (JobQueue.DeadLetter letter : queue.deadLetters(100_000)) {
                    if ((all || entryIds.contains(letter.entryId())) && queue.redrive(letter)) {
                        moved++;
                    }
                }
                System.out.println("re-drove " + moved + " " + type + " job(s)");
                return 0;
            }
        }
    }

    @Command(name = "rescan", description = "Re-enqueues the jobs of messages with ids after --after (through the outbox).")
    static final class Rescan implements Callable<Integer> {
        private static final String MESSAGES = """
                select m.id, m.room_id, m.user_id, u.username, m.text, m.created_at
                from messages m join users u on u.id = m.user_id where m.id > ? order by m.id limit 500
                """;

        @Option(names = "--after", required = true, description = "message id: messages after it get their jobs again")
        long after;

        @Override
        public Integer call() {
            AppConfig config = AppConfig.fromEnvironment(System.getenv());
            try (Database database = Database.connect(config.database(), new SimpleMeterRegistry())) {
                Sql sql = new Sql(database, Tracing.off());
                // Handlers are idempotent by job id: re-enqueueing a job that already ran has no second effect.
                PostEffects effects = PostEffects.all(new NotificationService(sql, new ObjectMapper(), u -> { }),
                        new WebhookService(sql, new SsrfGuard(Set.of(), InetAddress::getAllByName)));
                long cursor = after;
                long count = 0;
                while (true) {
                    List<Message> batch = sql.query(MESSAGES, rs -> Message.posted(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                            rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant()), cursor);
                    if (batch.isEmpty()) {
                        break;
                    }
                    sql.transaction(tx -> {
                        batch.forEach(m -> effects.posted(tx, m));
                        return null;
                    });
                    cursor = batch.get(batch.size() - 1).id();
                    count += batch.size();
                }
                System.out.println("re-enqueued the jobs of " + count + " message(s) after id " + after
                        + "; any running instance relays them");
                return 0;
            }
        }
    }
}
