package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KnownSecretsTest {

  private static JsonObject config() {
    return new JsonObject()
        .put("database", new JsonObject().put("url", "postgresql://app:Db-S3cret%21x@db.internal:5432/orders"))
        .put("redis", new JsonObject().put("url", "rediss://cache:Redis-Pw-4242@redis.internal:6380/0"))
        .put("http", new JsonObject().put("apiToken", "api-token-0123456789abcdef").put("host", "0.0.0.0")
            .put("tokens", "reporting:users.read,metrics:scoped-token-aa11bb22cc33;ops:admin:scoped-token-dd44ee55"))
        .put("cluster", new JsonObject().put("secret", "cluster-secret-abcdefghijklmnop"))
        .put("health", new JsonObject().put("webhook", new JsonObject().put("url", "https://hooks.example.com/T0/B1/xyzzy-hook")));
  }

  @Test
  void scrub_masksEveryKnownValue_inWhateverTextItTurnsUp() {
    KnownSecrets.remember(config());

    String text = KnownSecrets.scrub("auth failed for Db-S3cret!x (raw Db-S3cret%21x); redis said Redis-Pw-4242;"
        + " header Bearer api-token-0123456789abcdef; key cluster-secret-abcdefghijklmnop;"
        + " POST https://hooks.example.com/T0/B1/xyzzy-hook failed; Bearer scoped-token-aa11bb22cc33 and"
        + " scoped-token-dd44ee55 refused");

    assertThat(text).doesNotContain("Db-S3cret", "Redis-Pw-4242", "api-token-0123456789abcdef",
        "cluster-secret-abcdefghijklmnop", "xyzzy-hook", "scoped-token-").contains("****");
    assertThat(KnownSecrets.scrub("the entry reporting may read users")).isEqualTo("the entry reporting may read users");
  }

  @Test
  void scrub_leavesPublicPartsOfUrlsAlone() {
    KnownSecrets.remember(new JsonObject().put("database", new JsonObject()
        .put("url", "postgresql://consolidb:consolidb@127.0.0.1:5432/consolidb")));

    assertThat(KnownSecrets.known()).doesNotContain("consolidb");
    assertThat(KnownSecrets.scrub("io.consolidb.node.ConsolidbNode started for user app on db.internal"))
        .isEqualTo("io.consolidb.node.ConsolidbNode started for user app on db.internal");
  }

  @Test
  void scrub_masksSecretLookingPairsItWasNeverTold() {
    assertThat(KnownSecrets.scrub("connect postgresql://u:never-seen-pw@h/db?password=other token=abc123"))
        .doesNotContain("never-seen-pw", "other", "abc123");
  }

  @Test
  void known_isBounded_andShortValuesAreNotKept() {
    KnownSecrets.remember(new JsonObject().put("http", new JsonObject().put("adminToken", "abc")));
    IntStream.range(0, KnownSecrets.MAX_KNOWN + 50).forEach(i ->
        KnownSecrets.remember(new JsonObject().put("http", new JsonObject().put("apiToken", "bounded-token-" + i))));

    assertThat(KnownSecrets.known()).hasSizeLessThanOrEqualTo(KnownSecrets.MAX_KNOWN).doesNotContain("abc");
  }
}
