package io.loomcluster.lb.proxy;

import io.loomcluster.contract.Names;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Which client headers reach the backend, and the ones the balancer sets itself. The balancer is
 * the edge: any {@code X-Forwarded-*}, {@code Forwarded} or {@code X-Real-IP} a client sends is
 * dropped, never passed on as if the balancer vouched for it. Hop-by-hop headers (and those named in
 * {@code Connection}, but for {@code Host} and the framing) are dropped too. The headers are rewritten in place: the client's request
 * object is what goes to the backend, so untouched headers are not copied.
 */
final class ForwardedHeaders {
    private static final AsciiString[] DROPPED = {
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.PROXY_AUTHENTICATE, AsciiString.cached("proxy-connection"),
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.EXPECT, HttpHeaderNames.VIA, AsciiString.cached("forwarded"),
            AsciiString.cached("x-forwarded-for"), AsciiString.cached("x-forwarded-host"),
            AsciiString.cached("x-forwarded-proto"), AsciiString.cached("x-forwarded-port"),
            AsciiString.cached("x-forwarded-server"), AsciiString.cached("x-forwarded-prefix"),
            AsciiString.cached("x-real-ip"), AsciiString.cached("x-request-id"),
            // What Netty's HTTP/2 to HTTP/1.1 conversion adds (the stream id, the :scheme).
            AsciiString.cached("x-http2-stream-id"), AsciiString.cached("x-http2-scheme")};
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    static final AsciiString FORWARDED = AsciiString.cached("Forwarded");
    private static final AsciiString REQUEST_ID = AsciiString.cached(Names.REQUEST_ID_HEADER);
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    /**
     * The peer as the headers write it, the scheme it used, and whether it is a trusted proxy
     * ({@code LB_TRUSTED_PROXIES}), computed once per connection.
     */
    record Client(String address, String forwardedFor, AsciiString proto, boolean trusted) {
        static Client of(String address, boolean secure, boolean trusted) {
            // An IPv6 address is quoted and bracketed in Forwarded (RFC 7239, 6).
            return new Client(address, address.indexOf(':') >= 0
                    ? "\"" + (address.startsWith("[") ? address : "[" + address + "]") + "\"" : address,
                    secure ? HTTPS : HTTP, trusted);
        }
    }

    private ForwardedHeaders() {
    }

    /**
     * Rewrites a client's request headers into what the backend gets. From a trusted proxy the
     * forwarding headers it sent are kept: the peer is appended to {@code X-Forwarded-For} and
     * {@code Forwarded}, and the proxy's {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} (what
     * the client used at the proxy) stand. From anyone else they are replaced.
     */
    static void rewrite(HttpHeaders headers, Client client, String requestId) {
        String priorFor = null;
        String priorProto = null;
        String priorHost = null;
        String priorForwarded = null;
        if (client.trusted()) {
            priorFor = joined(headers, X_FORWARDED_FOR);
            priorProto = headers.get(X_FORWARDED_PROTO);
            priorHost = headers.get(X_FORWARDED_HOST);
            priorForwarded = joined(headers, FORWARDED);
        }
        dropHopByHop(headers);
        String host = headers.get(HttpHeaderNames.HOST);
        headers.set(X_FORWARDED_FOR, priorFor == null ? client.address() : priorFor + ", " + client.address());
        headers.set(X_FORWARDED_PROTO, priorProto == null ? client.proto() : priorProto);
        StringBuilder forwarded = new StringBuilder(48);
        if (priorForwarded != null) {
            forwarded.append(priorForwarded).append(", ");
        }
        forwarded.append("for=").append(client.forwardedFor()).append(";proto=").append(client.proto());
        if (host != null) {
            forwarded.append(";host=\"").append(host).append('"');
        }
        if (priorHost != null || host != null) {
            headers.set(X_FORWARDED_HOST, priorHost != null ? priorHost : host);
        }
        headers.set(FORWARDED, forwarded.toString());
        headers.set(REQUEST_ID, requestId);
    }

    /** The values of a header that may be repeated, joined as one list; null when absent. */
    static String joined(HttpHeaders headers, CharSequence name) {
        List<String> values = headers.getAll(name);
        if (values.isEmpty()) {
            return null;
        }
        return values.size() == 1 ? values.get(0) : String.join(", ", values);
    }

    private static void dropHopByHop(HttpHeaders headers) {
        List<String> named = connectionOptions(headers);
        List<CharSequence> drop = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (isDropped(name) || (named != null && containsIgnoreCase(named, name) && !isEndToEnd(name))) {
                if (drop == null) {
                    drop = new ArrayList<>(4);
                }
                drop.add(name);
            }
        }
        if (drop != null) {
            drop.forEach(headers::remove);
        }
    }

    /**
     * Headers a client may list in {@code Connection} that still go to the backend: the request
     * cannot be read without them ({@code Host}; the body's framing, which {@link BodyPlan} states
     * anyway). RFC 9110 (7.6.1) lets a client name only hop-by-hop fields there.
     */
    private static boolean isEndToEnd(CharSequence name) {
        return HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name);
    }

    static boolean isDropped(CharSequence name) {
        int length = name.length();
        for (AsciiString dropped : DROPPED) {
            if (dropped.length() == length && dropped.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    // Headers listed in Connection are hop-by-hop too (RFC 9110, 7.6.1).
    private static List<String> connectionOptions(HttpHeaders headers) {
        List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
        if (values.isEmpty()) {
            return null;
        }
        List<String> names = new ArrayList<>(4);
        for (String value : values) {
            for (String name : value.split(",")) {
                String trimmed = name.trim();
                if (!trimmed.isEmpty()) {
                    names.add(trimmed);
                }
            }
        }
        return names;
    }

    private static boolean containsIgnoreCase(List<String> names, CharSequence name) {
        for (String n : names) {
            if (AsciiString.contentEqualsIgnoreCase(n, name)) {
                return true;
            }
        }
        return false;
    }
}
