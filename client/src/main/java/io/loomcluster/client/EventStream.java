package io.loomcluster.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events response read as it arrives: a virtual thread parses it ({@link SseParser})
 * into a bounded queue, ending with {@link SseEvent#END}. A consumer that falls behind by
 * {@value #CAPACITY} events stops the reading, and so the server's writes (back-pressure, no memory
 * growth). Any status is returned as it is: a refused stream has {@link #status()} 401, 403, 503...
 */
public final class EventStream implements AutoCloseable {
    static final int CAPACITY = 1024;

    private final HttpResponse<InputStream> response;
    private final LoomClient client;
    private final Exchange opened;
    private volatile AssertionError violation;
    private final BlockingQueue<SseEvent> events = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread reader;
    private volatile SseEvent latest;
    private volatile long count;

    private EventStream(LoomClient client, HttpResponse<InputStream> response, long startNanos) {
        this.response = response;
        this.client = client;
        this.opened = new Exchange(response.request(), new byte[0], new Reply(response.statusCode(), response.headers(),
                new byte[0], startNanos, System.nanoTime(), null), true);
        try {
            client.observe(opened);
        } catch (AssertionError e) {
            close();
            throw e;
        }
        this.reader = Thread.ofVirtual().name("sse-reader").start(this::read);
    }

    /** Opens any event stream (a room's, the balancer dashboard's); returns once the headers arrived. */
    public static EventStream open(LoomClient client, Request request) {
        return open(client, request, null);
    }

    static EventStream open(LoomClient client, Request request, String cookie) {
        request.header("Accept", "text/event-stream");
        try {
            long start = System.nanoTime();
            return new EventStream(client, client.stream(request, cookie), start);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open " + request + ": " + Failures.cause(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening " + request, e);
        }
    }

    public int status() {
        return response.statusCode();
    }

    public HttpHeaders headers() {
        return response.headers();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** The next event (or {@link SseEvent#END}), or null when none came within the timeout. */
    public SseEvent poll(Duration timeout) throws InterruptedException {
        return checked(events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    /** The next event (or {@link SseEvent#END}); throws when none comes within the timeout. */
    public SseEvent next(Duration timeout) throws InterruptedException {
        SseEvent event = poll(timeout);
        if (event == null) {
            throw new IllegalStateException("no event within " + timeout);
        }
        return event;
    }

    /** The next event, waiting as long as it takes; {@link SseEvent#END} once the stream has ended. */
    public SseEvent take() throws InterruptedException {
        return checked(events.take());
    }

    /** The newest event read so far (whether or not taken), or null. */
    public SseEvent latest() {
        return latest;
    }

    /** Events read so far. */
    public long count() {
        return count;
    }

    private void read() {
        SseParser parser = new SseParser();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                SseEvent event = parser.line(line);
                if (event != null) {
                    client.observeEvent(opened, event);
                    latest = event;
                    count++;
                    events.put(event);
                }
            }
        } catch (AssertionError e) {
            // An observer refused an event: the stream ends and the consumer is told when it reads.
            violation = e;
        } catch (IOException e) {
            // Closed by us or by the server: reported as the end of the stream.
        } catch (InterruptedException e) {
            // Closed by the consumer: what it did not take no longer matters.
            events.clear();
        } finally {
            end();
        }
    }

    /** The END after an observer refused an event becomes that observer's error, on the consumer's thread. */
    private SseEvent checked(SseEvent event) {
        AssertionError refused = violation;
        if (event == SseEvent.END && refused != null) {
            throw new AssertionError(refused.getMessage(), refused);
        }
        return event;
    }

    private void end() {
        while (true) {
            try {
                events.put(SseEvent.END);
                return;
            } catch (InterruptedException e) {
                events.clear();
            }
        }
    }

    /** Ends the stream: the connection is closed, a waiting consumer gets {@link SseEvent#END}. */
    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // Closing is the point; an error here changes nothing.
        }
        reader.interrupt();
    }
}
