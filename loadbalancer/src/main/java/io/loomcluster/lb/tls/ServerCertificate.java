package io.loomcluster.lb.tls;

import io.loomcluster.lb.config.LbConfig;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The TLS listener's certificate and key ({@code LB_TLS_CERT}, {@code LB_TLS_KEY}), reloaded
 * without a restart: the files are polled (modification time and size, then a hash of the content,
 * so a touch alone does nothing), a changed pair is built into a whole new {@link SslContext} first
 * and only then swapped in, so each new handshake sees either the old pair or the new one. A pair
 * that does not load (half-written, key not matching the certificate, expired syntax) is refused
 * with a log line and the old one kept. Connections already open keep the context they started
 * with.
 *
 * <p>OpenSSL (BoringSSL through netty-tcnative) when it loads, else the JDK's engine; either way
 * TLS 1.3 and 1.2 only, AEAD ciphers only (Netty's HTTP/2 list, RFC 7540 appendix A's blocklist
 * excluded), ALPN offering {@code h2} then {@code http/1.1}.
 */
public final class ServerCertificate implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCertificate.class);

    /** What a handshake uses, and where it came from. */
    public record Loaded(SslContext context, String subject, Instant notAfter, byte[] hash, Instant loadedAt) {
    }

    private record Stamp(long certModified, long certSize, long keyModified, long keySize) {
    }

    private final LbConfig.Tls config;
    private final SslProvider provider;
    private final AtomicReference<Loaded> current = new AtomicReference<>();
    private final ScheduledExecutorService poller;
    private Stamp seen;
    private volatile long reloads;
    private volatile long refused;

    private ServerCertificate(LbConfig.Tls config) {
        this.config = config;
        this.provider = OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL)
                ? SslProvider.OPENSSL : SslProvider.JDK;
        this.poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("tls-reload").daemon().factory());
    }

    /** Loads the pair (failing start-up when it does not load) and starts watching the files. */
    public static ServerCertificate load(LbConfig.Tls config) {
        ServerCertificate certificate = new ServerCertificate(config);
        if (certificate.provider == SslProvider.JDK) {
            LOG.warn("OpenSSL (netty-tcnative) unavailable ({}); TLS uses the JDK's engine",
                    OpenSsl.unavailabilityCause() == null ? "no ALPN" : OpenSsl.unavailabilityCause().toString());
        }
        try {
            certificate.seen = certificate.stamp();
            certificate.current.set(certificate.build());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            certificate.close();
            throw new IllegalStateException("could not load LB_TLS_CERT=" + config.cert() + " and LB_TLS_KEY="
                    + config.key() + ": " + e.getMessage(), e);
        }
        long every = config.reload().toMillis();
        certificate.poller.scheduleWithFixedDelay(certificate::poll, every, every, TimeUnit.MILLISECONDS);
        return certificate;
    }

    /** The context for a new handshake. */
    public SslContext context() {
        return current.get().context();
    }

    public Loaded loaded() {
        return current.get();
    }

    /** "openssl" or "jdk". */
    public String provider() {
        return provider == SslProvider.OPENSSL ? "openssl" : "jdk";
    }

    public long reloads() {
        return reloads;
    }

    public long refused() {
        return refused;
    }

    private void poll() {
        try {
            Stamp now = stamp();
            if (now.equals(seen)) {
                return;
            }
            seen = now;
            byte[] hash = hash();
            if (Arrays.equals(hash, current.get().hash())) {
                return;
            }
            Loaded next = build();
            current.set(next);
            reloads++;
            LOG.info("TLS certificate reloaded: {} (valid until {}); new handshakes use it", next.subject(),
                    next.notAfter());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            refused++;
            LOG.warn("TLS certificate files changed but do not load ({}); keeping {}", e.getMessage(),
                    current.get().subject());
        }
    }

    private Stamp stamp() throws IOException {
        BasicFileAttributes cert = Files.readAttributes(config.cert(), BasicFileAttributes.class);
        BasicFileAttributes key = Files.readAttributes(config.key(), BasicFileAttributes.class);
        return new Stamp(cert.lastModifiedTime().toMillis(), cert.size(), key.lastModifiedTime().toMillis(), key.size());
    }

    private byte[] hash() throws IOException, GeneralSecurityException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(Files.readAllBytes(config.cert()));
        digest.update((byte) 0);
        digest.update(Files.readAllBytes(config.key()));
        return digest.digest();
    }

    private Loaded build() throws IOException, GeneralSecurityException {
        byte[] certBytes = Files.readAllBytes(config.cert());
        byte[] keyBytes = Files.readAllBytes(config.key());
        X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(certBytes)).stream().findFirst()
                .orElseThrow(() -> new GeneralSecurityException("no certificate in " + config.cert()));
        SslContext context = SslContextBuilder
                .forServer(new ByteArrayInputStream(certBytes), new ByteArrayInputStream(keyBytes))
                .sslProvider(provider)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
        KeyPairCheck.matches(leaf, keyBytes);
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(certBytes);
        digest.update((byte) 0);
        digest.update(keyBytes);
        return new Loaded(context, leaf.getSubjectX500Principal().getName(), leaf.getNotAfter().toInstant(),
                digest.digest(), Instant.now());
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
