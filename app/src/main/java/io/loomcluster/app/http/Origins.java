package io.loomcluster.app.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/** Web origins ({@code scheme://host[:port]}) in one canonical form, so that they compare as strings. */
public final class Origins {
    private Origins() {
    }

    /**
     * The canonical form of an origin: lower-case scheme and host, the port only when it is not the
     * scheme's default. Empty for anything that is not an http(s) origin (including {@code null}, the
     * opaque origin browsers send from sandboxed documents).
     */
    public static Optional<String> normalise(String origin) {
        if (origin == null || origin.length() > 300) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(origin.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return Optional.empty();
            }
            if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                    || uri.getRawFragment() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()
                    || uri.getRawPath().equals("/"))) {
                return Optional.empty();
            }
            int port = uri.getPort();
            boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
            return Optional.of(scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
