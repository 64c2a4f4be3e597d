package io.loomcluster.loadtest;

import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lean instrument against a real instance, per transport: every subscriber connects and counts
 * every message once. Two accounts a run: registrations from one address are limited per hour.
 */
class LeanRealtimeIT {

    @ParameterizedTest
    @ValueSource(strings = {"sse", "ws", "mixed"})
    void everySubscriberGetsEveryMessageOnceAndTheRunSaysSo(String transport) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int exit = new Main(new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8), false).run(new String[] {
                "lean", "--url", TestCluster.shared().appUrl(0).toString(), "--subscribers", "40", "--rooms", "2", "--accounts", "2",
                "--rate", "4", "--seconds", "2", "--connect-rate", "200", "--transport", transport});

        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", printed, stderr).isZero();
        assertThat(printed).contains("connected 40 of 40").contains(" 0 duplicates, 0 subscribers short")
                .contains("generator CPU:");
    }
}
