package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redis TLS and ACL settings: what production refuses, and the options every Redis client gets. */
class RedisSettingsTest {

  @TempDir
  Path dir;

  private static RedisSettings parse(Environment environment, JsonObject redis) {
    return RedisSettings.fromJson(environment, new ConfigSection("redis", redis));
  }

  private Path ca() throws IOException {
    return Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
  }

  @Test
  void fromJson_productionPlaintext_refusedNamingTheWaiver() {
    assertThatThrownBy(() -> TestSettings.load("CONSOLIDB_ENV", "production",
        "REDIS_URL", "redis://app:r3dis-pw@cache:6379"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("invalid configuration: redis.url (REDIS_URL) = 'redis://app:****@cache:6379'")
        .hasMessageContaining("must be rediss:// (TLS) in production")
        .hasMessageContaining("REDIS_ALLOW_PLAINTEXT=true")
        .hasMessageNotContaining("r3dis-pw");
  }

  @Test
  void fromJson_productionDefaultUrl_refused() {
    assertThatThrownBy(() -> TestSettings.load("CONSOLIDB_ENV", "production"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("REDIS_ALLOW_PLAINTEXT");
  }

  @Test
  void fromJson_productionPlaintextWaivedOrRedisOff_accepted() {
    RedisSettings waived = parse(Environment.PRODUCTION,
        new JsonObject().put("url", "redis://cache:6379").put("allowPlaintext", true));
    assertThat(waived.tls()).isFalse();
    assertThat(waived.allowPlaintext()).isTrue();
    assertThat(parse(Environment.PRODUCTION, new JsonObject().put("url", "redis://cache:6379").put("enabled", false))
        .enabled()).isFalse();
    assertThat(parse(Environment.PRODUCTION, new JsonObject().put("url", "rediss://u:p@cache:6379")).tls()).isTrue();
  }

  @Test
  void fromJson_otherEnvironmentsAcceptPlaintext() {
    for (Environment environment : new Environment[] {Environment.DEVELOPMENT, Environment.STAGING, Environment.TESTING}) {
      assertThat(parse(environment, new JsonObject().put("url", "redis://cache:6379")).tls()).isFalse();
    }
  }

  @Test
  void fromJson_caWithPlaintextUrl_refused() throws IOException {
    String ca = ca().toString();
    assertThatThrownBy(() -> parse(Environment.TESTING, new JsonObject().put("url", "redis://cache:6379")
        .put("tls", new JsonObject().put("caPath", ca))))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("redis.tls.caPath (REDIS_TLS_CA)").hasMessageContaining("use rediss://");
  }

  @Test
  void fromJson_unreadableCa_refused() {
    assertThatThrownBy(() -> TestSettings.load("REDIS_URL", "rediss://cache:6379",
        "REDIS_TLS_CA", dir.resolve("missing.pem").toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("redis.tls.caPath (REDIS_TLS_CA)").hasMessageContaining("readable PEM file");
  }

  @Test
  void fromJson_urlWithoutHost_refusedWithoutThePassword() {
    assertThatThrownBy(() -> parse(Environment.TESTING, new JsonObject().put("url", "rediss://u:s3cret@/0")))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("must name a host")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> parse(Environment.TESTING, new JsonObject().put("url", "rediss://u:s3 cret@h:1")))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("percent-encode")
        .hasMessageNotContaining("s3 cret");
  }

  @Test
  void variables_setTheCaAndTheWaiver() throws IOException {
    String ca = ca().toString();
    RedisSettings redis = TestSettings.load("REDIS_URL", "rediss://consolidb:pw-9@127.0.0.1:6391",
        "REDIS_TLS_CA", ca, "REDIS_ALLOW_PLAINTEXT", "true").redis();
    assertThat(redis.tlsCaPath()).isEqualTo(ca);
    assertThat(redis.allowPlaintext()).isTrue();
    assertThat(TestSettings.load().redis().tlsCaPath()).isEmpty();
    assertThat(TestSettings.load().redis().allowPlaintext()).isFalse();
  }

  @Test
  void redisOptions_rediss_verifiesTheChainAndTheHost() throws IOException {
    String ca = ca().toString();
    RedisSettings redis = parse(Environment.TESTING, new JsonObject().put("url", "rediss://consolidb:pw-9@cache:6391")
        .put("tls", new JsonObject().put("caPath", ca)));
    NetClientOptions net = redis.redisOptions().getNetClientOptions();
    assertThat(net.isSsl()).isTrue();
    assertThat(net.isTrustAll()).isFalse();
    assertThat(net.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
    assertThat(((PemTrustOptions) net.getTrustOptions()).getCertPaths()).containsExactly(ca);
    assertThat(redis.redisOptions().getEndpoint()).isEqualTo("rediss://consolidb:pw-9@cache:6391");
  }

  @Test
  void redisOptions_withoutCa_trustsTheJvmAuthoritiesAndStillChecksTheHost() {
    NetClientOptions net = parse(Environment.TESTING, new JsonObject().put("url", "rediss://cache:6391"))
        .redisOptions().getNetClientOptions();
    assertThat(net.isSsl()).isTrue();
    assertThat(net.getTrustOptions()).isNull();
    assertThat(net.isTrustAll()).isFalse();
    assertThat(net.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
  }

  @Test
  void redisOptions_redis_isPlaintext() {
    assertThat(parse(Environment.TESTING, new JsonObject().put("url", "redis://cache:6379"))
        .redisOptions().getNetClientOptions().isSsl()).isFalse();
  }

  @Test
  void toString_masksThePassword() throws IOException {
    RedisSettings redis = parse(Environment.TESTING, new JsonObject().put("url", "rediss://consolidb:pw-9@cache:6391")
        .put("tls", new JsonObject().put("caPath", ca().toString())));
    assertThat(redis.toString()).contains("rediss://consolidb:****@cache:6391", "tlsCaPath=").doesNotContain("pw-9");
    assertThat(TestSettings.load("REDIS_URL", "rediss://consolidb:pw-9@cache:6391").masked().encode())
        .contains("consolidb:****@cache").doesNotContain("pw-9");
  }
}
