package io.loomcluster.contract;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisTargetTest {
    private static RedisTarget read(Map<String, String> env) {
        return RedisTarget.fromEnv(new Env(env), true, "");
    }

    @Test
    void oneRedisIsItsUrl() {
        assertThat(read(Map.of("REDIS_URL", "redis://:pw@cache:6379"))).isEqualTo(new RedisTarget.Direct(URI.create("redis://:pw@cache:6379")));
        assertThat(read(Map.of("REDIS_URL", "redis://:pw@cache:6379")).describe()).isEqualTo("Redis redis://:***@cache:6379");
    }

    @Test
    void sentinelsNameTheMasterWithItsCredentials() {
        RedisTarget target = read(Map.of("REDIS_SENTINELS", "10.0.0.5:26379, 10.0.0.6:26380", "REDIS_SENTINEL_MASTER", "chat",
                "REDIS_PASSWORD", "pw", "REDIS_SENTINEL_PASSWORD", "spw"));
        assertThat(target).isEqualTo(new RedisTarget.Sentinel("chat", List.of(new RedisTarget.Address("10.0.0.5", 26379),
                new RedisTarget.Address("10.0.0.6", 26380)), null, "pw", "spw"));
        assertThat(target.describe()).isEqualTo("Redis Sentinel master 'chat' via 10.0.0.5:26379,10.0.0.6:26380").doesNotContain("pw");
    }

    @Test
    void theMasterIsCalledLoomUnlessTold() {
        assertThat(((RedisTarget.Sentinel) read(Map.of("REDIS_SENTINELS", "s:26379"))).master()).isEqualTo("loom");
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> read(Map.of("REDIS_URL", "redis://a:1", "REDIS_SENTINELS", "s:26379")))
                .hasMessageStartingWith("REDIS_URL and REDIS_SENTINELS are both set");
        assertThatThrownBy(() -> read(Map.of("REDIS_SENTINELS", "s:26379,nothing")))
                .hasMessageStartingWith("REDIS_SENTINELS has an invalid entry 'nothing'");
        assertThatThrownBy(() -> read(Map.of("REDIS_SENTINELS", "s:0")))
                .hasMessageStartingWith("REDIS_SENTINELS has an invalid entry 's:0'");
        assertThatThrownBy(() -> read(Map.of("REDIS_SENTINELS", "s:1", "REDIS_SENTINEL_MASTER", "a b")))
                .hasMessageStartingWith("REDIS_SENTINEL_MASTER=a b is invalid");
        assertThatThrownBy(() -> read(Map.of("REDIS_URL", "redis://a:1", "REDIS_PASSWORD", "pw")))
                .hasMessageStartingWith("REDIS_PASSWORD is set but REDIS_SENTINELS is not");
        assertThatThrownBy(() -> read(Map.of())).hasMessageStartingWith("REDIS_URL is not set");
        assertThat(RedisTarget.fromEnv(new Env(Map.of()), false, "")).isNull();
    }
}
