package io.loomcluster.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * A throwaway certificate authority and server certificates it signs, as PEM files: what the TLS
 * tests and {@code scripts/cluster up --tls} use, so nothing needs {@code openssl}. Keys are EC
 * P-256 made by the JDK; BouncyCastle only builds the X.509 structures. Never for production: the
 * CA's key sits next to its certificate.
 *
 * <p>Run as {@code java -cp dev-services.jar io.loomcluster.testing.TestCertificates DIR} to write
 * {@code ca.pem}, {@code cert.pem} (leaf then CA) and {@code key.pem} (PKCS#8) for 127.0.0.1,
 * ::1 and localhost into DIR (a new CA each time).
 */
public final class TestCertificates {
    private static final Duration VALIDITY = Duration.ofDays(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair caKeys;
    private final X509Certificate ca;

    private TestCertificates(KeyPair caKeys, X509Certificate ca) {
        this.caKeys = caKeys;
        this.ca = ca;
    }

    /** A new certificate authority named {@code name}. */
    public static TestCertificates authority(String name) {
        try {
            KeyPair keys = keyPair();
            X500Name subject = new X500Name("CN=" + name);
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(subject, subject, keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            return new TestCertificates(keys, sign(builder, keys));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not make a test certificate authority", e);
        }
    }

    public X509Certificate certificate() {
        return ca;
    }

    /** Writes the CA's certificate as PEM to {@code file}. */
    public Path writeCa(Path file) {
        write(file, pem("CERTIFICATE", encoded(ca)));
        return file;
    }

    /**
     * A server certificate for {@code names} (IP literals become IP SANs, the rest DNS SANs), written
     * as {@code cert} (the leaf, then the CA) and {@code key} (PKCS#8).
     */
    public Issued issue(String commonName, Path cert, Path key, String... names) {
        try {
            KeyPair keys = keyPair();
            GeneralName[] sans = new GeneralName[names.length];
            for (int i = 0; i < names.length; i++) {
                boolean ip = names[i].indexOf(':') >= 0 || names[i].matches("[0-9.]+");
                sans[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, names[i]);
            }
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(new X500Name(ca.getSubjectX500Principal().getName()),
                    new X500Name("CN=" + commonName), keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
            X509Certificate leaf = sign(builder, caKeys);
            write(cert, pem("CERTIFICATE", encoded(leaf)) + pem("CERTIFICATE", encoded(ca)));
            write(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            return new Issued(leaf, cert, key);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not issue a test certificate", e);
        }
    }

    /** A certificate issued by {@link #issue}, and where its PEM files are. */
    public record Issued(X509Certificate certificate, Path cert, Path key) {
    }

    /** An SSL context that trusts this CA only: for the JDK HttpClient and raw TLS sockets in tests. */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("test-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), RANDOM);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("could not build a client SSL context", e);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws OperatorCreationException, CertificateException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Written to a temporary file and moved in place, so a reader polling the file never sees half of it. */
    private static void write(Path file, String content) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    /** {@code TestCertificates DIR}: a CA and a certificate for the loopback names, as PEM files in DIR. */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: TestCertificates DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        TestCertificates authority = authority("Loom Cluster local CA");
        authority.writeCa(dir.resolve("ca.pem"));
        authority.issue("localhost", dir.resolve("cert.pem"), dir.resolve("key.pem"), "localhost", "127.0.0.1", "::1");
        System.out.println(dir.resolve("ca.pem"));
    }
}
