package io.migmon.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Secrets.url / redactUrls / tokenProblem and number formatting (tester's defects 10, 11, 12, 16). */
class SecretsTest {

    @Test
    void urlDropsEverythingUpToTheLastAtWhateverThePasswordContains() {
        assertThat(Secrets.url("http://admin:pa/ssw0rd@host:9090/prom")).isEqualTo("http://host:9090/prom");
        assertThat(Secrets.url("http://admin:secr#et@127.0.0.1:1/x?token=y")).isEqualTo("http://127.0.0.1:1/x");
        assertThat(Secrets.url("http://admin:50%off@h")).isEqualTo("http://h");
        assertThat(Secrets.url("http://admin:pa^ss w0rd@127.0.0.1:37791")).isEqualTo("http://127.0.0.1:37791");
        assertThat(Secrets.url("http://a:b@c@host/")).isEqualTo("http://host/");
        assertThat(Secrets.url("https://grafana/?auth=X#frag")).isEqualTo("https://grafana/");
        assertThat(Secrets.url(java.net.URI.create("https://u:p%2Fw@h:1/p?q=1"))).isEqualTo("https://h:1/p");
    }

    @Test
    void redactUrlsHidesUserInfoAndPasswordPairs() {
        String trace = "org.postgresql.util.PSQLException: FATAL for jdbc:postgresql://db:5432/app?user=app&password=S3cr3t "
                + "url=postgres://app:Hunter2@db/app token: abc123 sslpassword=xyz";
        String r = Secrets.redactUrls(trace);
        assertThat(r).doesNotContain("S3cr3t").doesNotContain("Hunter2").doesNotContain("abc123")
                .doesNotContain("xyz").contains("jdbc:postgresql://db:5432/app?user=app&password=[hidden]")
                .contains("postgres://[hidden]@db/app");
    }

    @Test
    void tokensWithLineBreaksAreRefusedNamingTheVariableOnly() {
        assertThat(Secrets.tokenProblem("abc\r\nX-Evil: 1", "PROMETHEUS_TOKEN")).contains("PROMETHEUS_TOKEN")
                .doesNotContain("abc").doesNotContain("Evil");
        assertThat(Secrets.tokenProblem("  abc\n", "GRAFANA_TOKEN")).isNull(); // surrounding whitespace is stripped
        assertThat(Secrets.tokenProblem(null, "GRAFANA_TOKEN")).isNull();
    }

    @Test
    void secondsNeverShowMinusZeroAndHugeValuesStayShort() {
        assertThat(Thresholds.seconds(-0.0)).isEqualTo("0 s");
        assertThat(Thresholds.seconds(-0.01)).isEqualTo("0 s");
        assertThat(Thresholds.seconds(1e300)).hasSizeLessThan(15);
        assertThat(Thresholds.seconds(Double.POSITIVE_INFINITY)).isEqualTo("infinite");
        assertThat(Thresholds.percent(1e300)).hasSizeLessThan(15);
    }
}
