package io.loomcluster.lb.proxy;

import io.loomcluster.lb.http.RequestIds;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which client headers reach the backend, and the ones the balancer sets itself. The balancer is
 * the edge: any {@code X-Forwarded-*}, {@code Forwarded} or {@code X-Real-IP} a client sends is
 * dropped, never passed on as if the balancer vouched for it.
 */
public final class ForwardedHeaders {
    private static final EnumSet<HttpHeader> DROPPED = EnumSet.of(
            HttpHeader.CONNECTION, HttpHeader.KEEP_ALIVE, HttpHeader.PROXY_AUTHORIZATION,
            HttpHeader.PROXY_AUTHENTICATE, HttpHeader.PROXY_CONNECTION, HttpHeader.TRANSFER_ENCODING,
            HttpHeader.TE, HttpHeader.TRAILER, HttpHeader.UPGRADE, HttpHeader.EXPECT, HttpHeader.VIA,
            HttpHeader.FORWARDED, HttpHeader.X_FORWARDED_FOR, HttpHeader.X_FORWARDED_HOST,
            HttpHeader.X_FORWARDED_PROTO, HttpHeader.X_FORWARDED_PORT, HttpHeader.X_FORWARDED_SERVER);
    private static final Set<String> DROPPED_NAMES = Set.of("x-real-ip", "x-request-id", "x-forwarded-prefix");

    private ForwardedHeaders() {
    }

    /** Copies the end-to-end headers of {@code from} into {@code to} and adds the balancer's own. */
    public static void copy(Request from, HttpFields.Mutable to, String requestId) {
        HttpFields headers = from.getHeaders();
        Set<String> namedByConnection = connectionOptions(headers);
        for (HttpField field : headers) {
            HttpHeader known = field.getHeader();
            if (known != null ? DROPPED.contains(known) : DROPPED_NAMES.contains(field.getLowerCaseName())) {
                continue;
            }
            if (namedByConnection != null && namedByConnection.contains(field.getLowerCaseName())) {
                continue;
            }
            to.add(field);
        }
        addForwarded(from, to);
        to.put(RequestIds.HEADER, requestId);
    }

    private static void addForwarded(Request from, HttpFields.Mutable to) {
        String client = Request.getRemoteAddr(from);
        String proto = from.isSecure() ? "https" : "http";
        String host = from.getHeaders().get(HttpHeader.HOST);
        to.put(HttpHeader.X_FORWARDED_FOR, client);
        to.put(HttpHeader.X_FORWARDED_PROTO, proto);
        StringBuilder forwarded = new StringBuilder(64).append("for=");
        if (client.indexOf(':') >= 0) {
            forwarded.append('"').append(client.startsWith("[") ? client : "[" + client + "]").append('"');
        } else {
            forwarded.append(client);
        }
        forwarded.append(";proto=").append(proto);
        if (host != null) {
            to.put(HttpHeader.X_FORWARDED_HOST, host);
            forwarded.append(";host=\"").append(host).append('"');
        }
        to.put(HttpHeader.FORWARDED, forwarded.toString());
    }

    // Headers listed in Connection are hop-by-hop too (RFC 9110, 7.6.1).
    private static Set<String> connectionOptions(HttpFields headers) {
        String connection = headers.get(HttpHeader.CONNECTION);
        if (connection == null) {
            return null;
        }
        Set<String> names = new HashSet<>();
        for (String value : headers.getValuesList(HttpHeader.CONNECTION)) {
            for (String name : value.split(",")) {
                names.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }
}
