package io.loomcluster.app.realtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.http.ApiException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class ClientFrameTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPECIALS = "{}[]\",:-0.9e\\\u0000\uD83D\u00e9x";
    private static final List<String> VALID = List.of(
            "{\"type\":\"ping\",\"ref\":\"p1\"}",
            "{\"type\":\"subscribe\",\"roomId\":7,\"after\":120}",
            "{\"type\":\"subscribe\",\"roomId\":7}",
            "{\"type\":\"unsubscribe\",\"roomId\":7}",
            "{\"type\":\"post\",\"roomId\":7,\"id\":\"c-1\",\"text\":\"hello\",\"ref\":\"r\"}",
            "{\"type\":\"edit\",\"roomId\":7,\"messageId\":9,\"text\":\"hello again\"}",
            "{\"type\":\"delete\",\"roomId\":7,\"messageId\":9}",
            "{\"type\":\"typing\",\"roomId\":7}",
            "{\"type\":\"read\",\"roomId\":7,\"upTo\":0}");

    @Test
    void everyFrameTypeParsesToItsRecord() {
        assertThat(parse(VALID.get(0))).isEqualTo(new ClientFrame.Parsed("p1", new ClientFrame.Ping()));
        assertThat(parse(VALID.get(1)).frame()).isEqualTo(new ClientFrame.Subscribe(7, 120));
        assertThat(parse(VALID.get(2)).frame()).isEqualTo(new ClientFrame.Subscribe(7, -1));
        assertThat(parse(VALID.get(3)).frame()).isEqualTo(new ClientFrame.Unsubscribe(7));
        assertThat(parse(VALID.get(4))).isEqualTo(new ClientFrame.Parsed("r", new ClientFrame.Post(7, "c-1", "hello")));
        assertThat(parse(VALID.get(5)).frame()).isEqualTo(new ClientFrame.Edit(7, 9, "hello again"));
        assertThat(parse(VALID.get(6)).frame()).isEqualTo(new ClientFrame.Delete(7, 9));
        assertThat(parse(VALID.get(7)).frame()).isEqualTo(new ClientFrame.Typing(7));
        assertThat(parse(VALID.get(8)).frame()).isEqualTo(new ClientFrame.Read(7, 0));
    }

    @Test
    void badFramesAreRefusedWithTheProblemNamedAndTheRefKeptWhenItCouldBeRead() {
        assertRefused("not json", 400, "not valid JSON");
        assertRefused("[1,2]", 400, "one JSON object");
        assertRefused("{}", 400, "needs a \"type\"");
        assertRefused("{\"type\":7}", 400, "needs a \"type\"");
        assertRefused("{\"type\":\"shout\"}", 400, "unknown frame type 'shout'");
        assertRefused("{\"type\":\"ping\",\"ref\":5}", 400, "\"ref\" must be a string");
        assertRefused("{\"type\":\"ping\",\"ref\":\"" + "r".repeat(65) + "\"}", 400, "at most 64");
        assertRefused("{\"type\":\"post\",\"roomId\":\"7\",\"text\":\"x\"}", 400, "\"roomId\" must be a positive whole number");
        assertRefused("{\"type\":\"post\",\"roomId\":7.5,\"text\":\"x\"}", 400, "\"roomId\"");
        assertRefused("{\"type\":\"post\",\"roomId\":99999999999999999999,\"text\":\"x\"}", 400, "\"roomId\"");
        assertRefused("{\"type\":\"post\",\"roomId\":0,\"text\":\"x\"}", 400, "\"roomId\"");
        assertRefused("{\"type\":\"post\",\"roomId\":7}", 400, "\"text\" must be a string");
        assertRefused("{\"type\":\"read\",\"roomId\":7,\"upTo\":-1}", 400, "\"upTo\" must be a position");
        assertRefused("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(ClientFrame.MAX_CHARS) + "\"}", 413, "at most");
        assertRefused("[".repeat(5_000) + "]".repeat(5_000), 400, "");

        ClientFrame.Refused refused = (ClientFrame.Refused) catchRefusal("{\"type\":\"edit\",\"ref\":\"e1\",\"roomId\":7}");
        assertThat(refused.ref()).isEqualTo("e1");
        assertThat(refused.problem().status()).isEqualTo(400);
        assertThat(refused.problem().detail()).contains("\"messageId\"");
    }

    /** Mutations of valid frames and random JSON: every input parses or is refused with a 4xx, nothing else. */
    @Test
    void fuzzedFramesEitherParseOrAreRefusedWithAClientError() {
        Random random = new Random(20261206);
        int parsed = 0;
        int refused = 0;
        for (int i = 0; i < 50_000; i++) {
            String input = i % 3 == 0 ? randomJson(random, 0) : mutate(VALID.get(random.nextInt(VALID.size())), random);
            try {
                assertThat(ClientFrame.parse(JSON, input)).isNotNull();
                parsed++;
            } catch (ClientFrame.Refused e) {
                assertThat(e.problem().status()).as(input).isBetween(400, 499);
                refused++;
            } catch (ApiException e) {
                assertThat(e.status()).as(input).isBetween(400, 499);
                refused++;
            } catch (RuntimeException e) {
                fail("frame " + input + " threw " + e);
            }
        }
        assertThat(parsed).isPositive();
        assertThat(refused).isPositive();
    }

    private static String mutate(String frame, Random random) {
        StringBuilder text = new StringBuilder(frame);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && !text.isEmpty(); e++) {
            int at = random.nextInt(text.length());
            switch (random.nextInt(6)) {
                case 0 -> text.deleteCharAt(at);
                case 1 -> text.insert(at, SPECIALS.charAt(random.nextInt(SPECIALS.length())));
                case 2 -> text.replace(at, Math.min(text.length(), at + 3), Long.toString(random.nextLong()));
                case 3 -> text.insert(at, "\"" + "y".repeat(random.nextInt(100)) + "\"");
                case 4 -> text.replace(0, text.length(), text.toString().replace("7", random.nextBoolean() ? "-7" : "\"7\""));
                default -> text.replace(0, text.length(), text.toString().replace("\"type\":\"", "\"type\":\"x"));
            }
        }
        return text.toString();
    }

    private static String randomJson(Random random, int depth) {
        return switch (depth > 4 ? random.nextInt(4) : random.nextInt(7)) {
            case 0 -> Long.toString(random.nextLong());
            case 1 -> "\"" + List.of("ping", "post", "subscribe", "read", "", "typing").get(random.nextInt(6)) + "\"";
            case 2 -> random.nextBoolean() ? "true" : "null";
            case 3 -> Double.toString(random.nextGaussian() * 1e20);
            case 4 -> "[" + randomJson(random, depth + 1) + "," + randomJson(random, depth + 1) + "]";
            default -> {
                StringBuilder object = new StringBuilder("{");
                int fields = random.nextInt(5);
                for (int f = 0; f < fields; f++) {
                    String name = List.of("type", "roomId", "messageId", "text", "ref", "id", "after", "upTo").get(random.nextInt(8));
                    object.append(f == 0 ? "" : ",").append('"').append(name).append("\":").append(randomJson(random, depth + 1));
                }
                yield object.append('}').toString();
            }
        };
    }

    private static ClientFrame.Parsed parse(String text) {
        return ClientFrame.parse(JSON, text);
    }

    private static void assertRefused(String text, int status, String detail) {
        RuntimeException e = catchRefusal(text);
        ApiException problem = e instanceof ClientFrame.Refused r ? r.problem() : (ApiException) e;
        assertThat(problem.status()).as(text).isEqualTo(status);
        assertThat(problem.detail()).as(text).contains(detail);
    }

    private static RuntimeException catchRefusal(String text) {
        try {
            parse(text);
        } catch (ClientFrame.Refused | ApiException e) {
            return e;
        }
        throw new AssertionError("frame " + text + " was accepted");
    }
}
