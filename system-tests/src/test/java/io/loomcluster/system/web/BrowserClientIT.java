package io.loomcluster.system.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.chaos.ChaosCluster;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Message;
import io.loomcluster.client.Session;
import io.loomcluster.testing.Browser;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.support.ui.FluentWait;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser chat client and Swagger UI in headless Chromium, through the balancer in front of two
 * instances: two users (one on Server-Sent Events, one on WebSocket, at a phone's width) chat live both ways, keep chatting while every instance is restarted one by
 * one (drain, stop, start, ready), and afterwards each page shows every message exactly once, in the
 * order PostgreSQL holds them. Screenshots of each step go to {@code target/browser-screenshots/}.
 */
class BrowserClientIT {
    private static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static ChaosCluster cluster;

    @BeforeAll
    static void start() {
        cluster = ChaosCluster.start(ChaosCluster.Spec.fromSystemProperties(Path.of("target", "it-logs", "browser"), 2));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void swaggerUiListsTheOperationsWithoutAnyContentSecurityPolicyViolation() {
        try (Browser browser = Browser.open(1280, 900)) {
            ChromeDriver page = browser.driver();
            page.get(cluster.url() + "/docs");
            waiting(page).until(d -> d.findElements(By.cssSelector(".opblock")).size() >= 15);
            List<String> operations = page.findElements(By.cssSelector(".opblock-summary-path")).stream()
                    .map(e -> e.getDomAttribute("data-path")).toList();
            browser.screenshot(SCREENSHOTS.resolve("docs.png"));

            assertThat(operations).contains("/api/rooms/{id}/messages", "/api/rooms/{id}/events", "/api/session", "/graphql");
            assertThat(browser.consoleMessages()).noneMatch(m -> m.contains("Content Security Policy") || m.contains("Uncaught"));
        }
    }

    @Test
    void twoUsersChatLiveAndThroughARollingRestartEachPageShowsEveryMessageOnceInOrder() {
        String suffix = Long.toString(System.nanoTime() % 1_000_000);
        try (Browser alice = Browser.open(1100, 900); Browser bob = Browser.open(390, 844)) {
            ChromeDriver a = alice.driver();
            ChromeDriver b = bob.driver();
            signUp(a, "alice_" + suffix);
            createRoom(a, "lobby" + suffix);
            signUp(b, "bob_" + suffix);
            b.findElement(By.cssSelector("input[name='transport'][value='ws']")).click();
            enterRoom(b, "lobby" + suffix);
            assertThat(b.findElement(By.id("live-state")).getText()).isEqualTo("live (WebSocket)");
            screenshots(alice, bob, "1-in-room");

            List<String> sent = new ArrayList<>();
            exchangeGreetings(a, b, "hello", sent);
            screenshots(alice, bob, "2-live");

            // Each sees the other online, and bob's typing on alice's page.
            awaitOnline(a, "bob_" + suffix);
            awaitOnline(b, "alice_" + suffix);
            b.findElement(By.id("text")).sendKeys("typing…");
            waiting(a).until(d -> d.findElement(By.id("typing")).getText().equals("bob_" + suffix + " is typing…"));
            screenshots(alice, bob, "2b-typing");
            b.findElement(By.id("text")).clear();

            // Every instance restarted, one by one, while both keep talking.
            CompletableFuture<Void> restarts = CompletableFuture.runAsync(() -> {
                for (ManagedProcess app : cluster.apps()) {
                    cluster.restart(app);
                    cluster.awaitAvailable(cluster.apps().size());
                }
            });
            int round = 0;
            while (!restarts.isDone() || round < 4) {
                say(round % 2 == 0 ? a : b, (round % 2 == 0 ? "alice " : "bob ") + round, sent);
                round++;
            }
            restarts.join();
            screenshots(alice, bob, "3-after-restarts");
            exchangeGreetings(a, b, "after the restarts", sent);
            screenshots(alice, bob, "4-final");

            // Bob's page is closed; alice edits one of her messages and deletes another meanwhile.
            b.get("about:blank");
            waiting(a).until(d -> !onlineNames(d).contains("bob_" + suffix));
            editOwn(a, "alice: hello", "alice: hello (edited)");
            deleteOwn(a, "alice: after the restarts");
            sent.set(sent.indexOf("alice: hello"), "alice: hello (edited)");
            sent.set(sent.indexOf("alice: after the restarts"), "message deleted");
            b.get(cluster.url() + "/");
            enterRoom(b, "lobby" + suffix);
            waiting(b).until(d -> texts(d).contains("alice: hello (edited)") && texts(d).contains("message deleted"));
            awaitOnline(a, "bob_" + suffix);
            screenshots(alice, bob, "5-edited-and-deleted");

            List<Long> stored = storedIds("alice_" + suffix, "lobby" + suffix, sent.size());
            assertThat(shownIds(a)).isEqualTo(stored);
            assertThat(shownIds(b)).isEqualTo(stored);
            // Each page shows each message as the API holds it now: text, edited mark, tombstone.
            List<String> api = storedState("alice_" + suffix, "lobby" + suffix);
            waiting(a).until(d -> shownState(d).equals(api));
            waiting(b).until(d -> shownState(d).equals(api));
            assertThat(api).contains("alice: hello (edited) (edited)", "message deleted");
            Set<String> instances = new HashSet<>(instancesShown(a));
            instances.addAll(instancesShown(b));
            assertThat(instances).as("instances that served the pages' posts and reads").hasSizeGreaterThanOrEqualTo(2);
            for (Browser browser : List.of(alice, bob)) {
                assertThat(browser.consoleMessages()).noneMatch(m -> m.contains("Content Security Policy") || m.contains("Uncaught"));
            }
        }
    }

    @Test
    void aBrowserEventSourceReceivesTheUsersNotificationThroughTheBalancer() throws Exception {
        String bobName = "bob_" + System.nanoTime() % 1_000_000;
        try (Browser bob = Browser.open(1000, 800)) {
            ChromeDriver page = bob.driver();
            signUp(page, bobName);
            // The browser's own EventSource, on the session cookie the sign-up set.
            page.executeScript("""
                    window.notifications = [];
                    const source = new EventSource('/api/notifications/events');
                    source.onopen = () => { window.notificationsOpen = true; };
                    source.addEventListener('notification', e => window.notifications.push({id: e.lastEventId, data: e.data}));
                    """);
            waiting(page).until(d -> Boolean.TRUE.equals(page.executeScript("return window.notificationsOpen === true")));

            Session alice = TestUsers.signUp(cluster.url(), "alice");
            long room = alice.createRoom("browser mentions").id();
            try (LoomClient client = LoomClient.of(cluster.url())) {
                client.logIn(bobName, "correct horse").join(room);
            }
            long message = alice.post(room, "look here @" + bobName).id();

            waiting(page).until(d -> ((Number) page.executeScript("return window.notifications.length")).intValue() >= 1);
            @SuppressWarnings("unchecked")
            Map<String, Object> received = (Map<String, Object>) page.executeScript("return window.notifications[0]");
            JsonNode data = new ObjectMapper().readTree((String) received.get("data"));
            assertThat(data.get("messageId").asLong()).isEqualTo(message);
            assertThat(data.get("from").asText()).isEqualTo(alice.username());
            assertThat(received.get("id")).isEqualTo(data.get("id").asText());
            assertThat(bob.consoleMessages()).noneMatch(m -> m.contains("Content Security Policy") || m.contains("Uncaught"));
        }
    }

    @Test
    void theRoomListShowsUnreadBadgesLiveAndOpeningTheRoomClearsThemOnEveryDevice() {
        String suffix = Long.toString(System.nanoTime() % 1_000_000);
        try (Browser alice = Browser.open(1100, 900); Browser aliceAgain = Browser.open(1100, 900)) {
            ChromeDriver a = alice.driver();
            signUp(a, "alice_" + suffix);
            createRoom(a, "busy" + suffix);
            createRoom(a, "quiet" + suffix);
            Session bob = TestUsers.signUp(cluster.url(), "bob");
            long busy = bob.rooms(100, null).items().stream().filter(r -> r.name().equals("busy" + suffix)).findFirst().orElseThrow().id();
            bob.join(busy);
            // Alice's second device: the same user, logged in on another page.
            ChromeDriver a2 = aliceAgain.driver();
            logIn(a2, "alice_" + suffix);

            bob.post(busy, "one");
            bob.post(busy, "two");
            waiting(a).until(d -> badge(d, "busy" + suffix).equals("2"));
            waiting(a2).until(d -> badge(d, "busy" + suffix).equals("2"));
            alice.screenshot(SCREENSHOTS.resolve("badges-1.png"));

            enterRoom(a, "busy" + suffix);
            waiting(a).until(d -> badge(d, "busy" + suffix).isEmpty());
            // The other device clears its badge too: the read marker moved.
            waiting(a2).until(d -> badge(d, "busy" + suffix).isEmpty());
            aliceAgain.screenshot(SCREENSHOTS.resolve("badges-2-cleared.png"));
            assertThat(bob.get("/api/unread").status()).isEqualTo(200);
        }
    }

    private static String badge(WebDriver page, String room) {
        return page.findElements(By.cssSelector("#rooms button")).stream()
                .filter(b -> b.findElement(By.cssSelector(".name")).getText().equals(room))
                .map(b -> b.findElement(By.cssSelector(".badge")).getText()).findFirst().orElse("?");
    }

    private static void logIn(ChromeDriver page, String username) {
        page.get(cluster.url() + "/");
        FluentWait<WebDriver> wait = waiting(page);
        wait.until(d -> d.findElement(By.id("auth")).isDisplayed());
        page.findElement(By.id("username")).sendKeys(username);
        page.findElement(By.id("password")).sendKeys("correct horse");
        page.findElement(By.id("login")).click();
        wait.until(d -> d.findElement(By.id("who")).getText().contains(username));
    }

    /**
     * A wait on the page that reads it again when an element it held was re-rendered meanwhile (the
     * live lists are replaced as events arrive, so an element found a moment ago may be gone).
     */
    private static FluentWait<WebDriver> waiting(WebDriver page) {
        return new WebDriverWait(page, WAIT).ignoring(StaleElementReferenceException.class);
    }

    private static void awaitOnline(ChromeDriver page, String username) {
        waiting(page).until(d -> onlineNames(d).contains(username));
    }

    private static List<String> onlineNames(WebDriver page) {
        return page.findElements(By.cssSelector("#online li")).stream().map(WebElement::getText).toList();
    }

    private static WebElement ownMessage(ChromeDriver page, String text) {
        return waiting(page).until(d -> d.findElements(By.cssSelector("#messages li")).stream()
                .filter(li -> li.findElement(By.cssSelector(".text")).getText().equals(text)).findFirst().orElse(null));
    }

    private static void editOwn(ChromeDriver page, String text, String replacement) {
        WebElement item = ownMessage(page, text);
        item.findElement(By.cssSelector("button.edit")).click();
        WebElement input = item.findElement(By.cssSelector(".edit-form input"));
        input.clear();
        input.sendKeys(replacement);
        item.findElement(By.cssSelector(".edit-form button")).click();
        waiting(page).until(d -> texts(d).contains(replacement));
    }

    private static void deleteOwn(ChromeDriver page, String text) {
        String id = ownMessage(page, text).getDomAttribute("data-message-id");
        ownMessage(page, text).findElement(By.cssSelector("button.delete")).click();
        waiting(page).until(d -> d.findElement(By.cssSelector("#messages li[data-message-id='" + id + "']"))
                .getDomAttribute("data-deleted").equals("true"));
    }

    /** Each shown message as "text" plus " (edited)" when marked so; a tombstone as "message deleted". */
    private static List<String> shownState(WebDriver page) {
        return page.findElements(By.cssSelector("#messages li")).stream()
                .map(li -> li.findElement(By.cssSelector(".text")).getText()
                        + (li.findElement(By.cssSelector(".edited")).getText().isEmpty() ? "" : " (edited)"))
                .toList();
    }

    /** The same, as the API holds the room's messages now. */
    private static List<String> storedState(String username, String room) {
        try (LoomClient client = LoomClient.of(cluster.url())) {
            Session session = client.logIn(username, "correct horse");
            long roomId = session.rooms(100, null).items().stream()
                    .filter(r -> r.name().equals(room)).findFirst().orElseThrow().id();
            return session.messages(roomId, 0, 100).items().stream()
                    .map(m -> m.deleted() ? "message deleted" : m.text() + (m.editedAt() != null ? " (edited)" : ""))
                    .toList();
        }
    }

    /** Each says something, and each page then shows everything sent so far. */
    private static void exchangeGreetings(ChromeDriver a, ChromeDriver b, String what, List<String> sent) {
        say(a, "alice: " + what, sent);
        say(b, "bob: " + what, sent);
        awaitTexts(a, sent);
        awaitTexts(b, sent);
    }

    private static void screenshots(Browser alice, Browser bob, String step) {
        alice.screenshot(SCREENSHOTS.resolve(step + "-alice.png"));
        bob.screenshot(SCREENSHOTS.resolve(step + "-bob-phone.png"));
    }

    private static void signUp(ChromeDriver page, String username) {
        page.get(cluster.url() + "/");
        FluentWait<WebDriver> wait = waiting(page);
        wait.until(d -> d.findElement(By.id("auth")).isDisplayed());
        page.findElement(By.id("username")).sendKeys(username);
        page.findElement(By.id("password")).sendKeys("correct horse");
        page.findElement(By.id("signup")).click();
        wait.until(d -> d.findElement(By.id("who")).getText().contains(username));
    }

    private static void createRoom(ChromeDriver page, String name) {
        page.findElement(By.id("room-name")).sendKeys(name);
        page.findElement(By.cssSelector("#new-room button")).click();
        awaitInRoom(page, name);
    }

    private static void enterRoom(ChromeDriver page, String name) {
        FluentWait<WebDriver> wait = waiting(page);
        WebElement room = wait.until(d -> d.findElements(By.cssSelector("#rooms button")).stream()
                .filter(e -> e.findElement(By.cssSelector(".name")).getText().equals(name)).findFirst().orElse(null));
        room.click();
        awaitInRoom(page, name);
    }

    private static void awaitInRoom(ChromeDriver page, String name) {
        waiting(page).until(d -> d.findElement(By.id("room-title")).getText().equals(name)
                && d.findElement(By.id("compose")).isDisplayed()
                && d.findElement(By.id("live-state")).getText().startsWith("live"));
    }

    /** Types and sends a message, then waits until the sender's own page shows it (the post was acknowledged). */
    private static void say(ChromeDriver page, String text, List<String> sent) {
        page.findElement(By.id("text")).sendKeys(text);
        page.findElement(By.id("send")).click();
        sent.add(text);
        waiting(page).until(d -> texts(d).contains(text) && isPosted(d, text));
    }

    private static boolean isPosted(WebDriver page, String text) {
        return page.findElements(By.cssSelector("#messages li")).stream()
                .anyMatch(li -> li.findElement(By.cssSelector(".text")).getText().equals(text)
                        && li.getDomAttribute("data-instance") != null);
    }

    private static void awaitTexts(ChromeDriver page, List<String> expected) {
        waiting(page).until(d -> texts(d).containsAll(expected));
    }

    private static List<String> texts(WebDriver page) {
        return page.findElements(By.cssSelector("#messages li .text")).stream().map(WebElement::getText).toList();
    }

    private static List<Long> shownIds(WebDriver page) {
        return page.findElements(By.cssSelector("#messages li")).stream()
                .map(li -> Long.parseLong(li.getDomAttribute("data-message-id"))).toList();
    }

    private static List<String> instancesShown(WebDriver page) {
        return page.findElements(By.cssSelector("#messages li[data-instance]")).stream()
                .map(li -> li.getDomAttribute("data-instance")).toList();
    }

    /** The room's messages as the API (PostgreSQL) holds them, read as one of the users. */
    private static List<Long> storedIds(String username, String room, int expected) {
        try (LoomClient client = LoomClient.of(cluster.url())) {
            Session session = client.logIn(username, "correct horse");
            long roomId = session.rooms(100, null).items().stream()
                    .filter(r -> r.name().equals(room)).findFirst().orElseThrow().id();
            List<Message> messages = session.messages(roomId, 0, 100).items();
            assertThat(messages).hasSize(expected);
            return messages.stream().map(Message::id).toList();
        }
    }
}
