package io.loomcluster.app.users;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;

import java.nio.charset.StandardCharsets;

/**
 * bcrypt with a per-password random salt. Passwords over bcrypt's 72-byte input limit are
 * pre-hashed with SHA-512 rather than silently truncated.
 */
public final class PasswordHasher {
    private final BCrypt.Hasher hasher;
    private final BCrypt.Verifyer verifyer;
    private final int cost;
    private final String dummyHash;

    public PasswordHasher(int cost) {
        this.cost = cost;
        this.hasher = BCrypt.with(BCrypt.Version.VERSION_2B, LongPasswordStrategies.hashSha512(BCrypt.Version.VERSION_2B));
        this.verifyer = BCrypt.verifyer(BCrypt.Version.VERSION_2B, LongPasswordStrategies.hashSha512(BCrypt.Version.VERSION_2B));
        this.dummyHash = hash("not-a-real-password");
    }

    public String hash(String password) {
        return hasher.hashToString(cost, password.toCharArray());
    }

    public boolean verify(String password, String hash) {
        return verifyer.verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8)).verified;
    }

    /** Spends the same time as a real check, so that response time does not reveal which usernames exist. */
    public void verifyAgainstNothing(String password) {
        verify(password, dummyHash);
    }
}
