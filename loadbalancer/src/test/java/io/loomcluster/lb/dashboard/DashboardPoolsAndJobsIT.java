package io.loomcluster.lb.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.EventStream;
import io.loomcluster.client.Json;
import io.loomcluster.client.Request;
import io.loomcluster.client.SseEvent;
import io.loomcluster.contract.Names;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.testing.Browser;
import io.loomcluster.testing.EmbeddedServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard of a balancer with two pools ({@code LB_ROUTES}) and a real Redis holding a job
 * stream with entries waiting, pending (delivered, not acknowledged), a scheduled retry and a dead
 * letter: the snapshot carries each backend's pool and the queue figures, and the page in headless
 * Chromium shows the pools with their rules and backends, and the jobs panel following Redis.
 */
class DashboardPoolsAndJobsIT {
    private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String MENTIONS = Names.jobStream(Names.MENTION_JOBS);

    private static EmbeddedServices services;
    private static RedisClient redis;
    private static List<BackendProcess> backends;
    private static BalancerProcess balancer;
    private static List<StreamEntryID> delivered;

    @BeforeAll
    static void start() {
        services = EmbeddedServices.start(EmbeddedServices.Options.ephemeral());
        redis = RedisClient.create(URI.create(services.redisUrl()));
        // Three mention jobs; a worker took two and acknowledged neither: one waits, two are pending.
        redis.xgroupCreate(MENTIONS, Names.JOB_GROUP, new StreamEntryID(0, 0), true);
        for (int i = 1; i <= 3; i++) {
            redis.xadd(MENTIONS, XAddParams.xAddParams(), Map.of("id", "mention:" + i, "attempt", "1"));
        }
        delivered = redis.xreadGroup(Names.JOB_GROUP, "worker-1", XReadGroupParams.xReadGroupParams().count(2),
                Map.of(MENTIONS, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)).getFirst().getValue().stream()
                .map(entry -> entry.getID()).toList();
        redis.zadd(Names.jobRetries(Names.MENTION_JOBS), System.currentTimeMillis() + 3_600_000, "{\"id\":\"mention:9\"}");
        redis.xadd(Names.jobDeadLetters(Names.MENTION_JOBS), XAddParams.xAddParams(),
                Map.of("id", "mention:8", "error", "poison"));

        backends = BalancerFixture.backends("pools-s", "pools-a");
        balancer = BalancerFixture.balancer("pools-lb", Map.of(
                "LB_ROUTES", "streams: /sse, /echo?wait; api: /",
                "LB_POOL_STREAMS_BACKENDS", backends.get(0).url().toString(),
                "LB_POOL_API_BACKENDS", backends.get(1).url().toString(),
                "LB_POOL_STREAMS_STRATEGY", "least-requests",
                "REDIS_URL", services.redisUrl()));
        backends.forEach(b -> balancer.awaitState(b.url(), "healthy"));
    }

    @AfterAll
    static void stop() {
        BalancerFixture.stop(balancer, backends);
        if (redis != null) {
            redis.close();
        }
        if (services != null) {
            services.close();
        }
    }

    @Test
    void snapshotsCarryEachPoolWithItsRulesAndTheJobQueuesReadFromRedis() {
        try (EventStream events = EventStream.open(balancer.admin(), Request.get("/events"))) {
            Await.until("both pools' backends healthy in the stream", WAIT, () -> {
                JsonNode latest = latest(events);
                return latest != null && latest.get("pools").size() == 2
                        && latest.get("pools").get(0).get("available").asInt() == 1
                        && latest.get("pools").get(1).get("available").asInt() == 1;
            });
            JsonNode snapshot = latest(events);
            JsonNode streams = snapshot.get("pools").get(0);
            assertThat(streams.get("name").asText()).isEqualTo("streams");
            assertThat(strings(streams.get("rules"))).containsExactly("/sse", "/echo?wait");
            assertThat(streams.get("strategy").asText()).isEqualTo("least-requests");
            JsonNode api = snapshot.get("pools").get(1);
            assertThat(api.get("name").asText()).isEqualTo("api");
            assertThat(strings(api.get("rules"))).containsExactly("/");
            assertThat(api.get("strategy").asText()).isEqualTo("round-robin");
            assertThat(poolOf(snapshot, backends.get(0))).isEqualTo("streams");
            assertThat(poolOf(snapshot, backends.get(1))).isEqualTo("api");

            Await.until("the mention queue sampled", WAIT, () -> queue(latest(events), Names.MENTION_JOBS) != null);
            JsonNode jobs = latest(events).get("jobs");
            assertThat(jobs.get("reason").isNull()).isTrue();
            JsonNode mentions = queue(latest(events), Names.MENTION_JOBS);
            assertThat(mentions.get("stream").asText()).isEqualTo(MENTIONS);
            assertThat(mentions.get("length").asLong()).isEqualTo(3);
            assertThat(mentions.get("waiting").asLong()).isEqualTo(1);
            assertThat(mentions.get("pending").asLong()).isEqualTo(2);
            assertThat(mentions.get("scheduled").asLong()).isEqualTo(1);
            assertThat(mentions.get("dead").asLong()).isEqualTo(1);
            assertThat(mentions.get("history").get("pending").size()).isPositive();
            JsonNode webhooks = queue(latest(events), Names.WEBHOOK_JOBS);
            assertThat(webhooks.get("length").asLong()).isZero();
            assertThat(webhooks.get("pending").asLong()).isZero();
            Await.until("the oldest pending job has an age", WAIT,
                    () -> queue(latest(events), Names.MENTION_JOBS).get("oldestPendingMillis").asLong() > 0);
        }
    }

    @Test
    void pageShowsThePoolsWithTheirBackendsAndTheJobsPanelFollowingRedis() {
        try (Browser browser = Browser.open(1280, 1000)) {
            ChromeDriver page = browser.driver();
            WebDriverWait wait = new WebDriverWait(page, WAIT);
            page.get("http://127.0.0.1:" + balancer.adminPort() + "/");
            wait.until(d -> "healthy".equals(stateOf(page, "streams", backends.get(0)))
                    && "healthy".equals(stateOf(page, "api", backends.get(1))));
            WebElement streams = pool(page, "streams");
            assertThat(streams.findElement(By.cssSelector(".pool-name")).getText()).isEqualTo("streams");
            assertThat(streams.findElements(By.cssSelector(".rules li")).stream().map(WebElement::getText))
                    .containsExactly("/sse", "/echo?wait");
            assertThat(streams.findElement(By.cssSelector(".pool-strategy")).getText()).isEqualTo("least-requests");
            assertThat(streams.findElement(By.cssSelector(".pool-health")).getText()).isEqualTo("1 / 1 available");
            // Each backend is drawn inside its own pool's section, not the other's.
            assertThat(streams.findElements(By.cssSelector("[data-backend='" + backends.get(1).url() + "']"))).isEmpty();
            assertThat(pool(page, "api").findElements(By.cssSelector("[data-backend='" + backends.get(1).url() + "']")))
                    .hasSize(1);

            wait.until(d -> "2".equals(jobFigure(page, ".f-pending")));
            assertThat(jobFigure(page, ".f-waiting")).isEqualTo("1");
            assertThat(jobFigure(page, ".f-scheduled")).isEqualTo("1");
            assertThat(jobFigure(page, ".f-dead")).isEqualTo("1");
            assertThat(page.findElement(By.id("jobs-reason")).isDisplayed()).isFalse();
            page.executeScript("document.getElementById('jobs').scrollIntoView({block: 'center'})");
            browser.screenshot(SCREENSHOTS.resolve("dashboard-pools-jobs.png"));

            // A worker acknowledges one job: the panel follows without a reload.
            redis.xack(MENTIONS, Names.JOB_GROUP, delivered.getFirst());
            wait.until(d -> "1".equals(jobFigure(page, ".f-pending")));

            // Redis goes away: the last figures stay, and the panel says they are stale and why.
            services.stopRedis();
            try {
                wait.until(d -> d.findElement(By.id("jobs-reason")).isDisplayed());
                assertThat(page.findElement(By.id("jobs-reason")).getText()).contains("Redis did not answer");
                assertThat(jobFigure(page, ".f-pending")).isEqualTo("1");
            } finally {
                services.startRedis();
            }
            wait.until(d -> !d.findElement(By.id("jobs-reason")).isDisplayed());
            // The pooled connections of before the restart are dead: a new client for the last step.
            redis.close();
            redis = RedisClient.create(URI.create(services.redisUrl()));
            redis.xack(MENTIONS, Names.JOB_GROUP, delivered.get(1));
            wait.until(d -> "0".equals(jobFigure(page, ".f-pending")));
        }
    }

    private static WebElement pool(ChromeDriver page, String name) {
        return page.findElement(By.cssSelector(".pool[data-pool='" + name + "']"));
    }

    private static String stateOf(ChromeDriver page, String pool, BackendProcess backend) {
        var found = page.findElements(By.cssSelector(".pool[data-pool='" + pool + "'] [data-backend='" + backend.url() + "']"));
        return found.isEmpty() ? "absent" : found.getFirst().getDomAttribute("data-state");
    }

    private static String jobFigure(ChromeDriver page, String selector) {
        var found = page.findElements(By.cssSelector("[data-job='" + Names.MENTION_JOBS + "'] " + selector));
        return found.isEmpty() ? null : found.getFirst().getText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

    private static JsonNode latest(EventStream events) {
        SseEvent event = events.latest();
        return event == null ? null : Json.tree(event.data());
    }

    private static String poolOf(JsonNode snapshot, BackendProcess backend) {
        for (JsonNode node : snapshot.get("backends")) {
            if (node.get("url").asText().equals(backend.url().toString())) {
                return node.get("pool").asText();
            }
        }
        return null;
    }

    private static JsonNode queue(JsonNode snapshot, String type) {
        if (snapshot == null) {
            return null;
        }
        for (JsonNode node : snapshot.get("jobs").get("queues")) {
            if (node.get("type").asText().equals(type)) {
                return node;
            }
        }
        return null;
    }
}
