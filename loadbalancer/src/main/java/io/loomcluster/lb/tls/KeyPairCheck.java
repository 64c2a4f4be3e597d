package io.loomcluster.lb.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a PEM private key belongs to a certificate: signs a few bytes with the key and verifies
 * them with the certificate's public key. Neither engine checks this when a context is built (a
 * mismatch would only show as failed handshakes), and a reload that swapped in a certificate
 * written before its key would break every new connection.
 */
final class KeyPairCheck {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final byte[] CHALLENGE = "loom-cluster key check".getBytes(StandardCharsets.US_ASCII);

    private KeyPairCheck() {
    }

    static void matches(X509Certificate certificate, byte[] pem) throws GeneralSecurityException {
        Matcher m = PKCS8.matcher(new String(pem, StandardCharsets.US_ASCII));
        if (!m.find()) {
            throw new GeneralSecurityException("the key is not a PEM PKCS#8 private key (BEGIN PRIVATE KEY)");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        String algorithm = certificate.getPublicKey().getAlgorithm();
        PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        String signing = switch (algorithm) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> algorithm; // Ed25519, Ed448 name their own signature
        };
        Signature signer = Signature.getInstance(signing);
        signer.initSign(key);
        signer.update(CHALLENGE);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(signing);
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(CHALLENGE);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException("the private key does not belong to the certificate");
        }
    }
}
