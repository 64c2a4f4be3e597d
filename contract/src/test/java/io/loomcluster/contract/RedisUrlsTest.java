package io.loomcluster.contract;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisUrlsTest {
    @Test
    void aPasswordIsReplacedAndAUserNameKept() {
        assertThat(RedisUrls.redacted("redis://:s3cret@redis:6379")).isEqualTo("redis://:***@redis:6379");
        assertThat(RedisUrls.redacted("rediss://default:s3cret@cache:6380/2")).isEqualTo("rediss://default:***@cache:6380/2");
    }

    @Test
    void userInfoWithoutAColonIsThePasswordAsTheClientsReadIt() {
        assertThat(RedisUrls.redacted("redis://s3cret@redis:6379")).isEqualTo("redis://:***@redis:6379");
    }

    @Test
    void unescapedSeparatorsInThePasswordStayHidden() {
        assertThat(RedisUrls.redacted("redis://:p@ss/w:rd@redis:6379")).isEqualTo("redis://:***@redis:6379")
                .doesNotContain("ss/w");
    }

    @Test
    void aUrlWithoutCredentialsIsUnchanged() {
        assertThat(RedisUrls.redacted("redis://127.0.0.1:6379")).isEqualTo("redis://127.0.0.1:6379");
        assertThat(RedisUrls.redacted("not a url")).isEqualTo("not a url");
        assertThat(RedisUrls.redacted(null)).isNull();
    }
}
